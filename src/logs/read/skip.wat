;; The reader's skip loop for runs of plain BSD syslog lines of programs analyze does not read
;; (`Mmm dd hh:mm:ss HOST TAG[...` with a TAG that cannot hold ppp, pptp or radius): most lines of
;; a real syslog. WebAssembly so that a line costs ~100 instructions, newline found 16 bytes at a
;; time, against ~550 in JavaScript (Buffer#indexOf's call alone is ~260). Compiled by
;; scripts/build-wasm.mjs into skip-wasm.ts; src/logs/read/fast-skip.ts runs it.
;;
;; It decides only what it is sure of, by the same rules as LineScanner.skipBsd and tagVerdictFast
;; (src/logs/formats/programs.ts): a line it cannot settle (another shape, no host token, a third
;; token, a tag with `pp` or `ra` in any case, an over-long or unterminated line) stops the run, and
;; the JavaScript loop reads that line itself. test/logs/read/fast-skip.test.ts checks that the
;; reader gives the same records and summaries with and without it.
(module
  ;; Bytes [0, 12): the results of the last skip(); the chunk is copied from BASE = 64 on.
  (memory (export "memory") 17)

  ;; skip(pos, lim, end, max) -> where the run stopped (a line start, or >= lim).
  ;; pos: a line start; lim: end - 16 (no line starting at or after it is taken); end: end of the
  ;; chunk's bytes; max: the longest line taken (maxLineBytes). All offsets are into memory.
  ;; Writes the number of lines skipped at 0 and the last one's start and end (without CR) at 4, 8.
  (func (export "skip") (param $pos i32) (param $lim i32) (param $end i32) (param $max i32) (result i32)
    (local $n i32) (local $c i32) (local $p i32) (local $m i32) (local $nl i32) (local $le i32)
    (local $k i32) (local $j i32) (local $cand i32) (local $prev i32) (local $l i32)
    (local $lastS i32) (local $lastE i32)
    (block $done
      (loop $line
        (br_if $done (i32.ge_s (local.get $pos) (local.get $lim)))
        ;; The shape: an upper-case month letter, spaces at 3, 6 and 15, a colon at 9.
        (local.set $c (i32.load8_u (local.get $pos)))
        (br_if $done (i32.lt_u (local.get $c) (i32.const 65)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 90)))
        (br_if $done (i32.ne (i32.load8_u offset=3 (local.get $pos)) (i32.const 32)))
        (br_if $done (i32.ne (i32.load8_u offset=6 (local.get $pos)) (i32.const 32)))
        (br_if $done (i32.ne (i32.load8_u offset=9 (local.get $pos)) (i32.const 58)))
        (br_if $done (i32.ne (i32.load8_u offset=15 (local.get $pos)) (i32.const 32)))
        ;; The newline: 16 bytes at a time, then byte by byte; none in the chunk ends the run.
        (local.set $p (i32.add (local.get $pos) (i32.const 16)))
        (block $found
          (loop $vec
            (if (i32.le_s (i32.add (local.get $p) (i32.const 16)) (local.get $end))
              (then
                (local.set $m
                  (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (i32.const 10)))))
                (if (local.get $m)
                  (then
                    (local.set $nl (i32.add (local.get $p) (i32.ctz (local.get $m))))
                    (br $found)))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br $vec))))
          (loop $tail
            (br_if $done (i32.ge_s (local.get $p) (local.get $end)))
            (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))
              (then
                (local.set $nl (local.get $p))
                (br $found)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))
        ;; The line's end without its CR; an over-long line is the JavaScript loop's (it reports it).
        (local.set $le (local.get $nl))
        (if (i32.eq (i32.load8_u (i32.sub (local.get $nl) (i32.const 1))) (i32.const 13))
          (then (local.set $le (i32.sub (local.get $nl) (i32.const 1)))))
        (br_if $done (i32.gt_s (i32.sub (local.get $le) (local.get $pos)) (local.get $max)))
        ;; The host: a token ending in a space (not `[` or `:`).
        (local.set $k (i32.add (local.get $pos) (i32.const 16)))
        (local.set $c (i32.const 0))
        (block $hostEnd
          (loop $host
            (br_if $hostEnd (i32.ge_s (local.get $k) (local.get $le)))
            (local.set $c (i32.load8_u (local.get $k)))
            (br_if $hostEnd (i32.eq (local.get $c) (i32.const 32)))
            (br_if $hostEnd (i32.eq (local.get $c) (i32.const 91)))
            (br_if $hostEnd (i32.eq (local.get $c) (i32.const 58)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $host)))
        (br_if $done (i32.ne (local.get $c) (i32.const 32)))
        (br_if $done (i32.ge_s (local.get $k) (local.get $le)))
        ;; The tag: a token ending in `[` or `:`, without `pp` or `ra` in any case.
        (local.set $j (i32.add (local.get $k) (i32.const 1)))
        (local.set $cand (i32.const 0))
        (local.set $prev (i32.const 0))
        (block $tagEnd
          (loop $tag
            (br_if $tagEnd (i32.ge_s (local.get $j) (local.get $le)))
            (local.set $c (i32.load8_u (local.get $j)))
            (br_if $tagEnd (i32.eq (local.get $c) (i32.const 32)))
            (br_if $tagEnd (i32.eq (local.get $c) (i32.const 91)))
            (br_if $tagEnd (i32.eq (local.get $c) (i32.const 58)))
            (local.set $l (i32.or (local.get $c) (i32.const 32)))
            (if (i32.or
                  (i32.and (i32.eq (local.get $l) (i32.const 112)) (i32.eq (local.get $prev) (i32.const 112)))
                  (i32.and (i32.eq (local.get $l) (i32.const 97)) (i32.eq (local.get $prev) (i32.const 114))))
              (then (local.set $cand (i32.const 1))))
            (local.set $prev (local.get $l))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tag)))
        (br_if $done (i32.ge_s (local.get $j) (local.get $le)))
        (br_if $done (i32.eq (local.get $c) (i32.const 32)))
        (br_if $done (local.get $cand))
        ;; Another program's line: counted, and remembered as the last one skipped.
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $lastS (local.get $pos))
        (local.set $lastE (local.get $le))
        (local.set $pos (i32.add (local.get $nl) (i32.const 1)))
        (br $line)))
    (i32.store (i32.const 0) (local.get $n))
    (i32.store (i32.const 4) (local.get $lastS))
    (i32.store (i32.const 8) (local.get $lastE))
    (local.get $pos))
)
