#!/usr/bin/env python3
"""Checks token ids (little-endian int32) against reference.json's count and
sha256 for valid.txt."""
import hashlib
import json
import sys

ids = open(sys.argv[1], "rb").read()
reference = json.load(open(sys.argv[2]))["data"]["valid"]
count = len(ids) // 4
digest = hashlib.sha256(ids).hexdigest()
ok = count == reference["tokens"] and digest == reference["ids_sha256"]
print(f"{count} ids, sha256 {'matches' if ok else 'DIFFERS'} the reference")
