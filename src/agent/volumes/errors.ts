/**
 * A volume that could not be set up (kubelet: the error of a volume plugin's SetUp). The pod waits
 * in ContainerCreating and the message goes into a FailedMount event as
 * `MountVolume.SetUp failed for volume "NAME" : MESSAGE`.
 */
import { BerthError, ErrorCode } from "../../common/index.js";

/** kubelet: events.FailedMountVolume. */
export const REASON_FAILED_MOUNT = "FailedMount";

export class MountError extends BerthError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.Invalid, message, { ...options, details: { reason: REASON_FAILED_MOUNT } });
  }
}

/** A volume's failure: which volume, and why. */
export class VolumeSetUpError extends BerthError {
  constructor(
    readonly volume: string,
    readonly reason: string,
  ) {
    super(ErrorCode.Invalid, `MountVolume.SetUp failed for volume "${volume}" : ${reason}`, {
      details: { reason: REASON_FAILED_MOUNT, volume },
    });
  }
}

export function isVolumeSetUpError(err: unknown): err is VolumeSetUpError {
  return err instanceof VolumeSetUpError;
}
