"""Checks the CUDA kernels embedded in a cuda-target executable.

Usage: check_cubins.py EXECUTABLE.so [--kernels]
Every kernel module is an ELF object for machine EM_CUDA (190) inside the
host shared object; prints how many there are and the architectures their
e_flags name (bits 8-15: the SM version, CUDA ELF ABI version 8). With
--kernels, also the sorted names of the function symbols the cubins define.
"""
import struct
import sys

EM_CUDA = 190
SHT_SYMTAB = 2
STT_FUNC = 2


def functions(data, start):
    """Names of the defined function symbols of the ELF64 object at start."""
    shoff = struct.unpack_from("<Q", data, start + 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, start + 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, start + shoff + i * shentsize)
                for i in range(shnum)]
    names = []
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != SHT_SYMTAB:
            continue
        strtab = start + sections[link][4]
        for at in range(start + offset, start + offset + size, entsize):
            name, info, _, shndx = struct.unpack_from("<IBBH", data, at)
            if info & 0xF == STT_FUNC and shndx != 0:
                end = data.index(b"\0", strtab + name)
                names.append(data[strtab + name:end].decode())
    return names


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] != b"\x7fELF" or struct.unpack_from("<H", data, 18)[0] == EM_CUDA:
        sys.exit("not a host shared object: " + sys.argv[1])
    arches = {}
    kernels = set()
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
        kernels.update(functions(data, start))
    if not arches:
        sys.exit("no cubin in " + sys.argv[1])
    for arch, count in sorted(arches.items()):
        print("cubins: %d for %s" % (count, arch))
    if "--kernels" in sys.argv[2:]:
        for name in sorted(kernels):
            print("kernel: " + name)


if __name__ == "__main__":
    main()
