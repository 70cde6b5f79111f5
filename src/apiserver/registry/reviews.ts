/**
 * authentication.k8s.io/v1 TokenReview and authorization.k8s.io/v1 SubjectAccessReview: create-only
 * kinds that are answered, never stored (the HTTP layer's review handler computes their status).
 * Node agents use them to authenticate and authorize callers of their own HTTPS server, as the
 * kubelet's webhook authentication and authorization modes do.
 */
import type { ResourceDefinition } from "./resource.js";

export const tokenreviews: ResourceDefinition = {
  group: "authentication.k8s.io",
  version: "v1",
  kind: "TokenReview",
  plural: "tokenreviews",
  singular: "tokenreview",
  shortNames: [],
  namespaced: false,
  verbs: ["create"],
  subresources: [],
};

export const subjectaccessreviews: ResourceDefinition = {
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SubjectAccessReview",
  plural: "subjectaccessreviews",
  singular: "subjectaccessreview",
  shortNames: [],
  namespaced: false,
  verbs: ["create"],
  subresources: [],
};

/** The kinds whose create is answered by a review instead of being stored. */
export const REVIEW_KINDS: readonly ResourceDefinition[] = [tokenreviews, subjectaccessreviews];
