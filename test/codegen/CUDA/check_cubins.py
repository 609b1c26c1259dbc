"""Checks the CUDA kernels embedded in a cuda-target executable.

Usage: check_cubins.py EXECUTABLE.so
Every kernel module is an ELF object for machine EM_CUDA (190) inside the
host shared object; prints how many there are and the architectures their
e_flags name (bits 8-15: the SM version, CUDA ELF ABI version 8).
"""
import struct
import sys

EM_CUDA = 190


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] != b"\x7fELF" or struct.unpack_from("<H", data, 18)[0] == EM_CUDA:
        sys.exit("not a host shared object: " + sys.argv[1])
    arches = {}
    start = 0
    while True:
        start = data.find(b"\x7fELF", start + 1)
        if start < 0:
            break
        if data[start + 4] != 2 or struct.unpack_from("<H", data, start + 18)[0] != EM_CUDA:
            continue
        flags = struct.unpack_from("<I", data, start + 48)[0]
        arch = "sm_%d" % ((flags >> 8) & 0xFF)
        arches[arch] = arches.get(arch, 0) + 1
    if not arches:
        sys.exit("no cubin in " + sys.argv[1])
    for arch, count in sorted(arches.items()):
        print("cubins: %d for %s" % (count, arch))


if __name__ == "__main__":
    main()
