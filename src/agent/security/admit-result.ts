/** What a node admission handler answers (kubelet: lifecycle.PodAdmitResult). */
export type SecurityAdmitResult =
  { readonly admit: true } | { readonly admit: false; readonly reason: string; readonly message: string };
