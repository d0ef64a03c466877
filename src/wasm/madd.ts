/**
 * acc + a·b on four lanes: one fused multiply-add where the engine runs with relaxed SIMD (the
 * "relaxed" build of a module), a multiply and an add otherwise. The choice is made at compile
 * time, so each build has one instruction sequence.
 */
export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
