/**
 * The Node.js berth runs on. It is checked before anything else is loaded: an older Node fails
 * while linking the first module that imports a newer built-in (node:sqlite), with an error that
 * names the module and not the cause.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** Why this Node cannot run berth, or undefined when it can. */
export function nodeVersionProblem(version: string, execPath: string): string | undefined {
  const major = Number.parseInt(version.split(".")[0] ?? "", 10);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return (
    `berth needs Node.js ${REQUIRED_NODE_MAJOR} or newer, and ${execPath} is Node.js ${version}. ` +
    `Install it with \`. scripts/lib/node.sh && ensure_node24\` from berth's checkout ` +
    `(it puts Node ${REQUIRED_NODE_MAJOR} first on PATH), or run \`bash scripts/setup.sh\`.`
  );
}
