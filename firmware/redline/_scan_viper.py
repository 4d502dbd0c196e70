"""Viper twin of the classifier's byte loop (ports with a native emitter: unix, ESP32, RP2040).

Same contract as the plain loop in redline.classifier: walk ``length`` bytes,
keep the low 16 bits of each token's FNV-1a hash, and call ``emit(start, end,
lo)`` at the end of every token. Viper ints are machine words; every value here
stays below 2**25, and ``ptr8`` loads are unsigned bytes, so the result is the
same as the plain loop on 32- and 64-bit targets. Importing this module fails on
ports without the emitter (the WebAssembly port), and the classifier then uses
its plain loop; tests/firmware/test_classifier.py runs both and compares them::

    from redline._scan_viper import scan
    scan(b"hello world", 11, LOWER, print)   # prints (0, 5, lo) and (6, 11, lo)
"""
import micropython


@micropython.viper
def scan(data, length: int, low: ptr8, emit) -> int:
    buf = ptr8(data)
    in_token = 0
    lo = 0
    start = 0
    j = 0
    while j < length:
        c = int(low[int(buf[j])])
        if c:
            if in_token:
                lo = ((lo ^ c) * 0x1B3) & 0xFFFF
            else:
                in_token = 1
                start = j
                lo = ((0x2325 ^ c) * 0x1B3) & 0xFFFF
        elif in_token:
            in_token = 0
            emit(start, j, lo)
        j += 1
    if in_token:
        emit(start, length, lo)
    return 0


@micropython.viper
def scan_anchor(data, length: int, low: ptr8, emit, adler: ptr32) -> int:
    """scan() plus the Adler-32 sums of the same bytes: adler[0] = a, adler[1] = b."""
    buf = ptr8(data)
    in_token = 0
    lo = 0
    start = 0
    a = 1
    b = 0
    j = 0
    while j < length:
        x = int(buf[j])
        a += x
        b += a
        c = int(low[x])
        if c:
            if in_token:
                lo = ((lo ^ c) * 0x1B3) & 0xFFFF
            else:
                in_token = 1
                start = j
                lo = ((0x2325 ^ c) * 0x1B3) & 0xFFFF
        elif in_token:
            in_token = 0
            emit(start, j, lo)
        j += 1
        if (j & 2047) == 0:   # keep the sums small, as the plain loop does every 2048 bytes
            a = a % 65521
            b = b % 65521
    if in_token:
        emit(start, length, lo)
    adler[0] = a % 65521
    adler[1] = b % 65521
    return 0
