# Writes the file IN as a C++ raw string literal to OUT, so that the compiler
# carries the kernel descriptions it launches (cmake -DIN=... -DOUT=... -P).
file(READ "${IN}" content)
file(WRITE "${OUT}" "R\"qfkernels(${content})qfkernels\"\n")
