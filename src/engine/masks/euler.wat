;; Suppressed Euler integration (src/engine/masks/euler.ts) as a WebAssembly SIMD kernel, bit for
;; bit the arithmetic of the JavaScript loop there. Assembled by scripts/build-wasm.mjs into
;; src/engine/masks/euler-wasm.ts (base64); edit this file, then run `node scripts/build-wasm.mjs`.
;;
;; Memory (imported, laid out by euler.ts):
;;   address 0: the normalised field, (rows + 1) × (cols + 1) pairs [vy, vx] of f32, `rowBytes`
;;              bytes a row; the extra column repeats the last column and the extra row repeats
;;              the last row, so the bilinear corners of any clamped position are the pairs at
;;              `a`, `a + 8`, `a + rowBytes`, `a + rowBytes + 8` with no border test: where the
;;              JavaScript clamps a corner index to the last row/column, this reads a copy of it;
;;   `pos`:     `npairs` × 16 bytes, two points [py₀, px₀, py₁, px₁] (f32, grid_sample's [−1, 1]
;;              coordinates), updated in place;
;;   `vel`:     as `pos`, the suppressed velocity u (scratch; written at t = 0 before it is read).
;;
;; Two points travel together. Positions, weights and updates are f32x4 lanes [y₀, x₀, y₁, x₁]
;; (or [·₀, ·₁, ·₀, ·₁]): a single f32 add, sub, mul or div is exactly what the JavaScript gets from
;; the float64 operation followed by Math.fround (float64 has more than 2·24 + 2 bits). The
;; bilinear sums are float64 in lanes [point 0, point 1], y and x apart: product of two f32 (exact),
;; one add, demote to f32, exactly as `f32(acc + f·w)` there. The step size u/(1 + t) is an f32
;; division, as PyTorch's. The kernel expects a finite field (euler.ts checks it): then positions
;; stay finite, so floor is computed with the 2²³ trick and the clamp with pmin/pmax.
;;
;; Blocks of BLOCK_PAIRS pairs take all `niter` steps before the next block, as in euler.ts.
(module
  (import "env" "memory" (memory 1))
  (func (export "follow")
    (param $pos i32) (param $vel i32) (param $npairs i32) (param $niter i32)
    (param $rowBytes i32) (param $sy f32) (param $sx f32)
    (local $b i32) (local $bend i32) (local $t i32) (local $p i32) (local $u i32) (local $pend i32)
    (local $a0 i32) (local $a1 i32)
    (local $S v128) (local $STR v128) (local $ONE v128) (local $NEG v128) (local $HALF v128)
    (local $MAGIC v128) (local $den v128) (local $first v128)
    (local $P v128) (local $Q v128) (local $I v128) (local $F v128) (local $G v128) (local $M v128)
    (local $ab0 v128) (local $ab1 v128) (local $cd0 v128) (local $cd1 v128)
    (local $B v128) (local $AB v128) (local $CB v128)
    (local $Zb v128) (local $Zc v128) (local $Zd v128) (local $R v128)
    (local $wne v128) (local $wsw v128) (local $wse v128)
    (local $accy v128) (local $accx v128) (local $V v128) (local $U v128)
    ;; [sy, sx, sy, sx]: grid_sample's unnormalisation factors
    (local.set $S
      (f32x4.replace_lane 3
        (f32x4.replace_lane 2
          (f32x4.replace_lane 1 (f32x4.splat (local.get $sy)) (local.get $sx))
          (local.get $sy))
        (local.get $sx)))
    ;; [rowBytes, 8, rowBytes, 8]: byte offset of (row, column)
    (local.set $STR
      (i32x4.replace_lane 2
        (i32x4.replace_lane 0 (i32x4.splat (i32.const 8)) (local.get $rowBytes))
        (local.get $rowBytes)))
    (local.set $ONE (f32x4.splat (f32.const 1)))
    (local.set $NEG (f32x4.splat (f32.const -1)))
    (local.set $HALF (f32x4.splat (f32.const 0.5)))
    (local.set $MAGIC (f32x4.splat (f32.const 8388608)))
    (local.set $b (i32.const 0))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $npairs)))
        (local.set $bend (i32.add (local.get $b) (i32.const 32)))
        (if (i32.gt_u (local.get $bend) (local.get $npairs))
          (then (local.set $bend (local.get $npairs))))
        (local.set $t (i32.const 0))
        (block $stepsDone
          (loop $steps
            (br_if $stepsDone (i32.ge_u (local.get $t) (local.get $niter)))
            (local.set $den
              (f32x4.splat (f32.convert_i32_u (i32.add (local.get $t) (i32.const 1)))))
            ;; all ones at t = 0: u₀ = v(p₀)
            (local.set $first (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $t)))))
            (local.set $p (i32.add (local.get $pos) (i32.shl (local.get $b) (i32.const 4))))
            (local.set $u (i32.add (local.get $vel) (i32.shl (local.get $b) (i32.const 4))))
            (local.set $pend (i32.add (local.get $pos) (i32.shl (local.get $bend) (i32.const 4))))
            (loop $pairs
              (local.set $P (v128.load (local.get $p)))
              ;; (p + 1)·((L − 1)/2) ∈ [0, L − 1], its integer part and fraction
              (local.set $Q (f32x4.mul (f32x4.add (local.get $P) (local.get $ONE)) (local.get $S)))
              (local.set $I (f32x4.floor (local.get $Q)))
              ;; F = [n₀, w₀, n₁, w₁], G = 1 − F = [s₀, e₀, s₁, e₁]
              (local.set $F (f32x4.sub (local.get $Q) (local.get $I)))
              (local.set $G (f32x4.sub (local.get $ONE) (local.get $F)))
              ;; corner byte addresses: an integer below 2²³ plus 2²³ has the integer in the low
              ;; mantissa bits
              (local.set $M
                (i32x4.mul
                  (i32x4.sub (f32x4.add (local.get $I) (local.get $MAGIC)) (local.get $MAGIC))
                  (local.get $STR)))
              (local.set $a0
                (i32.add (i32x4.extract_lane 0 (local.get $M)) (i32x4.extract_lane 1 (local.get $M))))
              (local.set $a1
                (i32.add (i32x4.extract_lane 2 (local.get $M)) (i32x4.extract_lane 3 (local.get $M))))
              ;; [ay, ax, by, bx] (top-left, top-right) and [cy, cx, dy, dx] (bottom row) per point
              (local.set $ab0 (v128.load (local.get $a0)))
              (local.set $ab1 (v128.load (local.get $a1)))
              (local.set $cd0 (v128.load (i32.add (local.get $a0) (local.get $rowBytes))))
              (local.set $cd1 (v128.load (i32.add (local.get $a1) (local.get $rowBytes))))
              ;; weights: [s₀ s₁ s₀ s₁]·[e₀ e₁ w₀ w₁] = [nw₀ nw₁ ne₀ ne₁], [n₀ n₁ n₀ n₁]·B = [sw, se]
              (local.set $B
                (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
                  (local.get $G) (local.get $F)))
              (local.set $AB
                (f32x4.mul
                  (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $G) (local.get $G))
                  (local.get $B)))
              (local.set $CB
                (f32x4.mul
                  (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $F) (local.get $F))
                  (local.get $B)))
              (local.set $wne (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                  (local.get $AB) (local.get $AB))))
              (local.set $wsw (f64x2.promote_low_f32x4 (local.get $CB)))
              (local.set $wse (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                  (local.get $CB) (local.get $CB))))
              ;; corners regrouped to [·y₀, ·y₁, ·x₀, ·x₁]
              (local.set $Zb
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                  (local.get $ab0) (local.get $ab1)))
              (local.set $Zc
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                  (local.get $cd0) (local.get $cd1)))
              (local.set $Zd
                (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                  (local.get $cd0) (local.get $cd1)))
              ;; first term f32(a·nw), an f32 product
              (local.set $R
                (f32x4.mul
                  (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                    (local.get $ab0) (local.get $ab1))
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $AB) (local.get $AB))))
              (local.set $accy (f64x2.promote_low_f32x4 (local.get $R)))
              (local.set $accx (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                  (local.get $R) (local.get $R))))
              ;; + b·ne, + c·sw: float64 sum of an f32 and an exact product, rounded to f32
              (local.set $accy (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                (f64x2.add (local.get $accy)
                  (f64x2.mul (f64x2.promote_low_f32x4 (local.get $Zb)) (local.get $wne))))))
              (local.set $accx (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                (f64x2.add (local.get $accx)
                  (f64x2.mul
                    (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                        (local.get $Zb) (local.get $Zb)))
                    (local.get $wne))))))
              (local.set $accy (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                (f64x2.add (local.get $accy)
                  (f64x2.mul (f64x2.promote_low_f32x4 (local.get $Zc)) (local.get $wsw))))))
              (local.set $accx (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                (f64x2.add (local.get $accx)
                  (f64x2.mul
                    (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                        (local.get $Zc) (local.get $Zc)))
                    (local.get $wsw))))))
              ;; + d·se, then V = [vy₀, vx₀, vy₁, vx₁]
              (local.set $V
                (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                  (f32x4.demote_f64x2_zero
                    (f64x2.add (local.get $accy)
                      (f64x2.mul (f64x2.promote_low_f32x4 (local.get $Zd)) (local.get $wse))))
                  (f32x4.demote_f64x2_zero
                    (f64x2.add (local.get $accx)
                      (f64x2.mul
                        (f64x2.promote_low_f32x4
                          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                            (local.get $Zd) (local.get $Zd)))
                        (local.get $wse))))))
              ;; u = (v + u_prev)/2 (u_prev = v at t = 0); p = clamp(p + u/(1 + t), −1, 1)
              (local.set $U
                (f32x4.mul
                  (f32x4.add (local.get $V)
                    (v128.bitselect (local.get $V) (v128.load (local.get $u)) (local.get $first)))
                  (local.get $HALF)))
              (v128.store (local.get $u) (local.get $U))
              ;; pmax(p, −1) = p < −1 ? −1 : p, then pmin(·, 1) = 1 < · ? 1 : ·, Math.max/min's
              ;; results for every finite p (−0 included)
              (v128.store (local.get $p)
                (f32x4.pmin
                  (f32x4.pmax
                    (f32x4.add (local.get $P) (f32x4.div (local.get $U) (local.get $den)))
                    (local.get $NEG))
                  (local.get $ONE)))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (local.set $u (i32.add (local.get $u) (i32.const 16)))
              (br_if $pairs (i32.lt_u (local.get $p) (local.get $pend))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $steps)))
        (local.set $b (local.get $bend))
        (br $blocks))))

  ;; followFast: the same integration with four points a vector and plain f32 sums
  ;; (((a·nw + b·ne) + c·sw) + d·se, each product and sum rounded to f32, no float64), and the step
  ;; u·(1/(1 + t)) with an f32 reciprocal. Not bit-exact: PyTorch's fused multiply-adds round once
  ;; where this rounds twice, and the reciprocal's product may differ from the quotient in the last
  ;; bit, so final positions differ in their last bits (a tie at DBSCAN's radius may fall the other
  ;; way). Same memory as `follow`, but `pos` and `vel` hold groups of four points as
  ;; [y₀ y₁ y₂ y₃ x₀ x₁ x₂ x₃] (32 bytes), `nquads` groups.
  (func (export "followFast")
    (param $pos i32) (param $vel i32) (param $nquads i32) (param $niter i32)
    (param $rowBytes i32) (param $sy f32) (param $sx f32)
    (local $b i32) (local $bend i32) (local $t i32) (local $p i32) (local $u i32) (local $pend i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $SY v128) (local $SX v128) (local $RB v128) (local $ONE v128) (local $NEG v128)
    (local $HALF v128) (local $MAGIC v128) (local $den v128) (local $first v128)
    (local $PY v128) (local $PX v128) (local $Y v128) (local $X v128) (local $YF v128) (local $XF v128)
    (local $n v128) (local $w v128) (local $s v128) (local $e v128)
    (local $nw v128) (local $ne v128) (local $sw v128) (local $se v128) (local $A v128)
    (local $L0 v128) (local $L1 v128) (local $L2 v128) (local $L3 v128)
    (local $T0 v128) (local $T1 v128) (local $T2 v128) (local $T3 v128)
    (local $VY v128) (local $VX v128) (local $UY v128) (local $UX v128)
    (local.set $SY (f32x4.splat (local.get $sy)))
    (local.set $SX (f32x4.splat (local.get $sx)))
    (local.set $RB (i32x4.splat (local.get $rowBytes)))
    (local.set $ONE (f32x4.splat (f32.const 1)))
    (local.set $NEG (f32x4.splat (f32.const -1)))
    (local.set $HALF (f32x4.splat (f32.const 0.5)))
    (local.set $MAGIC (f32x4.splat (f32.const 8388608)))
    (local.set $b (i32.const 0))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nquads)))
        (local.set $bend (i32.add (local.get $b) (i32.const 16)))
        (if (i32.gt_u (local.get $bend) (local.get $nquads))
          (then (local.set $bend (local.get $nquads))))
        (local.set $t (i32.const 0))
        (block $stepsDone
          (loop $steps
            (br_if $stepsDone (i32.ge_u (local.get $t) (local.get $niter)))
            ;; the f32 reciprocal of 1 + t: a product is cheaper than a quotient (not exact either)
            (local.set $den
              (f32x4.splat
                (f32.div (f32.const 1) (f32.convert_i32_u (i32.add (local.get $t) (i32.const 1))))))
            (local.set $first (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $t)))))
            (local.set $p (i32.add (local.get $pos) (i32.shl (local.get $b) (i32.const 5))))
            (local.set $u (i32.add (local.get $vel) (i32.shl (local.get $b) (i32.const 5))))
            (local.set $pend (i32.add (local.get $pos) (i32.shl (local.get $bend) (i32.const 5))))
            (loop $quads
              (local.set $PY (v128.load (local.get $p)))
              (local.set $PX (v128.load offset=16 (local.get $p)))
              (local.set $Y (f32x4.mul (f32x4.add (local.get $PY) (local.get $ONE)) (local.get $SY)))
              (local.set $X (f32x4.mul (f32x4.add (local.get $PX) (local.get $ONE)) (local.get $SX)))
              (local.set $YF (f32x4.floor (local.get $Y)))
              (local.set $XF (f32x4.floor (local.get $X)))
              (local.set $n (f32x4.sub (local.get $Y) (local.get $YF)))
              (local.set $w (f32x4.sub (local.get $X) (local.get $XF)))
              (local.set $s (f32x4.sub (local.get $ONE) (local.get $n)))
              (local.set $e (f32x4.sub (local.get $ONE) (local.get $w)))
              (local.set $nw (f32x4.mul (local.get $s) (local.get $e)))
              (local.set $ne (f32x4.mul (local.get $s) (local.get $w)))
              (local.set $sw (f32x4.mul (local.get $n) (local.get $e)))
              (local.set $se (f32x4.mul (local.get $n) (local.get $w)))
              ;; byte address of the top-left corner: row·rowBytes + column·8
              (local.set $A
                (i32x4.add
                  (i32x4.mul
                    (i32x4.sub (f32x4.add (local.get $YF) (local.get $MAGIC)) (local.get $MAGIC))
                    (local.get $RB))
                  (i32x4.shl
                    (i32x4.sub (f32x4.add (local.get $XF) (local.get $MAGIC)) (local.get $MAGIC))
                    (i32.const 3))))
              (local.set $a0 (i32x4.extract_lane 0 (local.get $A)))
              (local.set $a1 (i32x4.extract_lane 1 (local.get $A)))
              (local.set $a2 (i32x4.extract_lane 2 (local.get $A)))
              (local.set $a3 (i32x4.extract_lane 3 (local.get $A)))
              ;; top row: Lk = [ay, ax, by, bx] of point k, transposed to four vectors
              (local.set $L0 (v128.load (local.get $a0)))
              (local.set $L1 (v128.load (local.get $a1)))
              (local.set $L2 (v128.load (local.get $a2)))
              (local.set $L3 (v128.load (local.get $a3)))
              (local.set $T0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                (local.get $L0) (local.get $L1)))
              (local.set $T1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                (local.get $L2) (local.get $L3)))
              (local.set $T2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                (local.get $L0) (local.get $L1)))
              (local.set $T3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                (local.get $L2) (local.get $L3)))
              ;; a·nw + b·ne
              (local.set $VY
                (f32x4.add
                  (f32x4.mul
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $T0) (local.get $T1))
                    (local.get $nw))
                  (f32x4.mul
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $T2) (local.get $T3))
                    (local.get $ne))))
              (local.set $VX
                (f32x4.add
                  (f32x4.mul
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                      (local.get $T0) (local.get $T1))
                    (local.get $nw))
                  (f32x4.mul
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                      (local.get $T2) (local.get $T3))
                    (local.get $ne))))
              ;; bottom row: + c·sw, + d·se
              (local.set $L0 (v128.load (i32.add (local.get $a0) (local.get $rowBytes))))
              (local.set $L1 (v128.load (i32.add (local.get $a1) (local.get $rowBytes))))
              (local.set $L2 (v128.load (i32.add (local.get $a2) (local.get $rowBytes))))
              (local.set $L3 (v128.load (i32.add (local.get $a3) (local.get $rowBytes))))
              (local.set $T0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                (local.get $L0) (local.get $L1)))
              (local.set $T1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                (local.get $L2) (local.get $L3)))
              (local.set $T2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                (local.get $L0) (local.get $L1)))
              (local.set $T3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                (local.get $L2) (local.get $L3)))
              (local.set $VY
                (f32x4.add
                  (f32x4.add (local.get $VY)
                    (f32x4.mul
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                        (local.get $T0) (local.get $T1))
                      (local.get $sw)))
                  (f32x4.mul
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $T2) (local.get $T3))
                    (local.get $se))))
              (local.set $VX
                (f32x4.add
                  (f32x4.add (local.get $VX)
                    (f32x4.mul
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                        (local.get $T0) (local.get $T1))
                      (local.get $sw)))
                  (f32x4.mul
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                      (local.get $T2) (local.get $T3))
                    (local.get $se))))
              ;; u = (v + u_prev)/2, p = clamp(p + u·(1/(1 + t)))
              (local.set $UY
                (f32x4.mul
                  (f32x4.add (local.get $VY)
                    (v128.bitselect (local.get $VY) (v128.load (local.get $u)) (local.get $first)))
                  (local.get $HALF)))
              (local.set $UX
                (f32x4.mul
                  (f32x4.add (local.get $VX)
                    (v128.bitselect (local.get $VX) (v128.load offset=16 (local.get $u)) (local.get $first)))
                  (local.get $HALF)))
              (v128.store (local.get $u) (local.get $UY))
              (v128.store offset=16 (local.get $u) (local.get $UX))
              (v128.store (local.get $p)
                (f32x4.pmin
                  (f32x4.pmax
                    (f32x4.add (local.get $PY) (f32x4.mul (local.get $UY) (local.get $den)))
                    (local.get $NEG))
                  (local.get $ONE)))
              (v128.store offset=16 (local.get $p)
                (f32x4.pmin
                  (f32x4.pmax
                    (f32x4.add (local.get $PX) (f32x4.mul (local.get $UX) (local.get $den)))
                    (local.get $NEG))
                  (local.get $ONE)))
              (local.set $p (i32.add (local.get $p) (i32.const 32)))
              (local.set $u (i32.add (local.get $u) (i32.const 32)))
              (br_if $quads (i32.lt_u (local.get $p) (local.get $pend))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $steps)))
        (local.set $b (local.get $bend))
        (br $blocks))))

  ;; prepare: normalises the field in place, `count` vectors of two pairs [vy, vx] from address 0:
  ;; v ← (2·v)/(L − 1) per axis as f32 (2·v is exact), an axis whose `keep` is 0 (a single row or
  ;; column) set to 0, as euler.ts does. Returns 1 if every result is within ±`limit` (so finite),
  ;; else 0 (then euler.ts uses its JavaScript loop).
  (func (export "prepare")
    (param $count i32) (param $hm1 f32) (param $wm1 f32) (param $keepY i32) (param $keepX i32)
    (param $limit f32) (result i32)
    (local $p i32) (local $end i32) (local $D v128) (local $K v128) (local $L v128) (local $ok v128)
    (local $v v128)
    (local.set $D
      (f32x4.replace_lane 3
        (f32x4.replace_lane 1 (f32x4.splat (local.get $hm1)) (local.get $wm1))
        (local.get $wm1)))
    ;; all ones in the lanes kept
    (local.set $K
      (i32x4.replace_lane 3
        (i32x4.replace_lane 1
          (i32x4.splat (i32.sub (i32.const 0) (local.get $keepY)))
          (i32.sub (i32.const 0) (local.get $keepX)))
        (i32.sub (i32.const 0) (local.get $keepX))))
    (local.set $L (f32x4.splat (local.get $limit)))
    (local.set $ok (i32x4.splat (i32.const -1)))
    (local.set $end (i32.shl (local.get $count) (i32.const 4)))
    (local.set $p (i32.const 0))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $v
          (v128.and
            (f32x4.div (f32x4.add (local.get $v) (local.get $v)) (local.get $D))
            (local.get $K)))
        (v128.store (local.get $p) (local.get $v))
        ;; NaN fails the comparison
        (local.set $ok
          (v128.and (local.get $ok) (f32x4.le (f32x4.abs (local.get $v)) (local.get $L))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (i32x4.all_true (local.get $ok))))
