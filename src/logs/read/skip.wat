;; The reader's skip loop for runs of plain BSD syslog lines of programs analyze does not read
;; (`Mmm dd hh:mm:ss HOST TAG[...` with a TAG that cannot hold ppp, pptp or radius): most lines of
;; a real syslog. WebAssembly so that a line costs ~100 instructions, newline found 16 bytes at a
;; time, against ~550 in JavaScript (Buffer#indexOf's call alone is ~260). Compiled by
;; scripts/build-wasm.mjs into skip-wasm.ts; src/logs/read/fast-skip.ts runs it.
;;
;; It decides only what it is sure of, by the same rules as LineScanner.skipBsd and tagVerdictFast
;; (src/logs/formats/programs.ts): a line it cannot settle (another shape, no host token, a third
;; token, an over-long or unterminated line) stops the run, and the JavaScript loop reads that line
;; itself. A relevant line in plainTail's shape and printable ASCII stops the run too, with its
;; offsets, so that LineScanner builds its record without scanning it again.
;; test/logs/read/fast-skip.test.ts checks that the reader gives the same records and summaries with
;; and without it.
(module
  ;; Bytes [0, 44): the results of the last skip(); chunks from 64 on (fast-skip.ts lays them out).
  (memory (export "memory") 17)

  ;; skip(pos, lim, end, max) -> where the run stopped (a line start, or >= lim).
  ;; pos: a line start; lim: end - 16 (no line starting at or after it is taken); end: end of the
  ;; chunk's bytes; max: the longest line taken (maxLineBytes). All offsets are into memory.
  ;; Writes the number of lines skipped at 0 and the last one's start and end (without CR) at 4, 8;
  ;; at 12, 1 when it stopped at a plain relevant line ($plain writes its offsets), else 0.
  (func (export "skip") (param $pos i32) (param $lim i32) (param $end i32) (param $max i32) (result i32)
    (local $n i32) (local $c i32) (local $p i32) (local $m i32) (local $nl i32) (local $le i32)
    (local $k i32) (local $j i32) (local $cand i32) (local $prev i32) (local $l i32)
    (local $lastS i32) (local $lastE i32)
    (i32.store (i32.const 12) (i32.const 0))
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
        ;; A tag with `pp` or `ra`: relevant when it holds ppp, pptp or radius (hasNeedle); then the
        ;; line is handed over, with its offsets when it is in the plain shape.
        (if (local.get $cand)
          (then
            (if (call $needle (i32.add (local.get $k) (i32.const 1)) (local.get $j))
              (then
                (call $plain (local.get $pos) (local.get $k) (local.get $j) (local.get $nl) (local.get $le))
                (br $done)))))
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

  ;; hasNeedle (src/logs/formats/programs.ts): does b[s..e) hold ppp, pptp or radius in any case?
  (func $needle (param $s i32) (param $e i32) (result i32)
    (local $i i32) (local $c i32) (local $c2 i32)
    (local.set $i (local.get $s))
    (block $no
      (loop $at
        (br_if $no (i32.ge_s (i32.add (local.get $i) (i32.const 2)) (local.get $e)))
        (local.set $c (i32.or (i32.load8_u (local.get $i)) (i32.const 32)))
        (if (i32.and (i32.eq (local.get $c) (i32.const 112))
                     (i32.eq (i32.or (i32.load8_u offset=1 (local.get $i)) (i32.const 32)) (i32.const 112)))
          (then
            (local.set $c2 (i32.or (i32.load8_u offset=2 (local.get $i)) (i32.const 32)))
            (if (i32.eq (local.get $c2) (i32.const 112)) (then (return (i32.const 1))))
            (if (i32.and (i32.eq (local.get $c2) (i32.const 116))
                         (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $e)))
              (then
                (if (i32.eq (i32.or (i32.load8_u offset=3 (local.get $i)) (i32.const 32)) (i32.const 112))
                  (then (return (i32.const 1)))))))
          (else
            (if (i32.and (i32.eq (local.get $c) (i32.const 114))
                         (i32.lt_s (i32.add (local.get $i) (i32.const 5)) (local.get $e)))
              (then
                (if (i32.and
                      (i32.and
                        (i32.eq (i32.or (i32.load8_u offset=1 (local.get $i)) (i32.const 32)) (i32.const 97))
                        (i32.eq (i32.or (i32.load8_u offset=2 (local.get $i)) (i32.const 32)) (i32.const 100)))
                      (i32.and
                        (i32.and
                          (i32.eq (i32.or (i32.load8_u offset=3 (local.get $i)) (i32.const 32)) (i32.const 105))
                          (i32.eq (i32.or (i32.load8_u offset=4 (local.get $i)) (i32.const 32)) (i32.const 117)))
                        (i32.eq (i32.or (i32.load8_u offset=5 (local.get $i)) (i32.const 32)) (i32.const 115))))
                  (then (return (i32.const 1))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $at)))
    (i32.const 0))

  ;; A relevant line at $pos (host ends at $k, tag at $j, newline at $nl, line end $le): when it is in
  ;; the plain shape of plainTail (src/logs/formats/plain.ts) and printable ASCII (printableAscii),
  ;; writes 1 at 12 and its newline, end, host end, tag start and end, pid and message start at
  ;; 16..40 for LineScanner to build its record from. Otherwise writes nothing (0 at 12: the
  ;; JavaScript loop reads the line).
  (func $plain (param $pos i32) (param $k i32) (param $j i32) (param $nl i32) (param $le i32)
    (local $t i32) (local $d i32) (local $pid i32) (local $c i32) (local $m i32) (local $p i32)
    (local.set $t (i32.add (local.get $pos) (i32.const 16)))
    ;; A host, not four digits (parseBsd reads `hh:mm:ss YYYY` as a year); a non-empty tag then `[`.
    (if (i32.eq (local.get $k) (local.get $t)) (then (return)))
    (if (i32.eq (i32.sub (local.get $k) (local.get $t)) (i32.const 4))
      (then
        (if (i32.and
              (i32.and (call $digit (i32.load8_u (local.get $t))) (call $digit (i32.load8_u offset=1 (local.get $t))))
              (i32.and (call $digit (i32.load8_u offset=2 (local.get $t))) (call $digit (i32.load8_u offset=3 (local.get $t)))))
          (then (return)))))
    (if (i32.eq (local.get $j) (i32.add (local.get $k) (i32.const 1))) (then (return)))
    (if (i32.ne (i32.load8_u (local.get $j)) (i32.const 91)) (then (return)))
    ;; The pid: one to nine digits, then `]:`.
    (local.set $d (i32.add (local.get $j) (i32.const 1)))
    (local.set $p (local.get $d))
    (block $digitsEnd
      (loop $digits
        (br_if $digitsEnd (i32.ge_s (local.get $p) (local.get $le)))
        (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
        (br_if $digitsEnd (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $pid (i32.add (i32.mul (local.get $pid) (i32.const 10)) (local.get $c)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $digits)))
    (if (i32.eq (local.get $p) (local.get $d)) (then (return)))
    (if (i32.gt_s (i32.sub (local.get $p) (local.get $d)) (i32.const 9)) (then (return)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 93)) (then (return)))
    (if (i32.ne (i32.load8_u offset=1 (local.get $p)) (i32.const 58)) (then (return)))
    ;; The message: after `]:` and one space; not rsyslog's `message repeated N times: [...]`.
    (local.set $m (i32.add (local.get $p) (i32.const 2)))
    (if (i32.lt_s (local.get $m) (local.get $le))
      (then
        (if (i32.eq (i32.load8_u (local.get $m)) (i32.const 32))
          (then (local.set $m (i32.add (local.get $m) (i32.const 1)))))))
    (if (i32.and (i32.eq (i32.load8_u (local.get $m)) (i32.const 109))
                 (i32.ge_s (i32.sub (local.get $le) (local.get $m)) (i32.const 17)))
      (then
        ;; "message repeated " as two 8-byte words and a space
        (if (i32.and
              (i32.and
                (i64.eq (i64.load (local.get $m)) (i64.const 0x206567617373656d))
                (i64.eq (i64.load offset=8 (local.get $m)) (i64.const 0x6465746165706572)))
              (i32.eq (i32.load8_u offset=16 (local.get $m)) (i32.const 32)))
          (then (return)))))
    ;; Printable ASCII (0x20-0x7f) throughout, 16 bytes at a time.
    (local.set $p (local.get $pos))
    (block $textEnd
      (loop $text
        (br_if $textEnd (i32.gt_s (i32.add (local.get $p) (i32.const 16)) (local.get $le)))
        (if (v128.any_true
              (v128.or
                (i8x16.lt_u (v128.load (local.get $p)) (i8x16.splat (i32.const 32)))
                (i8x16.gt_u (v128.load (local.get $p)) (i8x16.splat (i32.const 127)))))
          (then (return)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $text)))
    (block $tailEnd
      (loop $tail
        (br_if $tailEnd (i32.ge_s (local.get $p) (local.get $le)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.or (i32.lt_u (local.get $c) (i32.const 32)) (i32.gt_u (local.get $c) (i32.const 127)))
          (then (return)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (i32.store (i32.const 12) (i32.const 1))
    (i32.store (i32.const 16) (local.get $nl))
    (i32.store (i32.const 20) (local.get $le))
    (i32.store (i32.const 24) (local.get $k))
    (i32.store (i32.const 28) (i32.add (local.get $k) (i32.const 1)))
    (i32.store (i32.const 32) (local.get $j))
    (i32.store (i32.const 36) (local.get $pid))
    (i32.store (i32.const 40) (local.get $m)))

  (func $digit (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
)
