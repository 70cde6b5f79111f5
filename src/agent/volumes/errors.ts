import { BerthError, ErrorCode } from "../../common/index.js";

/** A volume the agent cannot prepare: the container waits with CreateContainerConfigError. */
export function configError(message: string): BerthError {
  return new BerthError(ErrorCode.Invalid, message, { details: { reason: "CreateContainerConfigError" } });
}
