/** Node IPAM: the range allocator that gives each node its pod CIDR. */
export {
  RangeAllocator,
  NODE_CIDR_MASK_SIZE_IPV4,
  REASON_CIDR_NOT_AVAILABLE,
  type RangeAllocatorOptions,
} from "./range-allocator.js";
export { CidrSet, formatCidr4, parseCidr4, type Cidr4 } from "./cidr-set.js";
