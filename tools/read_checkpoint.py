#!/usr/bin/env python3
"""read_checkpoint.py — print what a cnnlab checkpoint (a safetensors file) holds.

Usage:  python3 tools/read_checkpoint.py CHECKPOINT [--values N]

For each tensor, in file order: its name, shape and the sum of its values (float64), and
with --values N its first N values; then the metadata. The CRC-32 in the metadata ("crc32",
written by cnnlab's save_safetensors) is checked when present. Exit status 0, or 1 with a
message on stderr for a file that is not a valid F32 safetensors file.

Needs only NumPy (Debian: python3-numpy), not the `safetensors` package: the format is an
8-byte little-endian header length N, N bytes of JSON, then the raw little-endian data, with
each tensor's "data_offsets" [begin, end) relative to the start of the data.
"""
import argparse
import json
import struct
import sys
import zlib

import numpy as np


def read_checkpoint(path):
    """Returns (tensors, metadata): a list of (name, array) in file order and a dict."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError(f"{path}: header length {n} is beyond the end of the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    tensors = []
    pos = 0
    for name, e in entries:
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: tensor '{name}' has dtype {e['dtype']} (only F32)")
        begin, end = e["data_offsets"]
        shape = tuple(e["shape"])
        if begin != pos or end > len(data) or end - begin != 4 * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor '{name}' has bad data_offsets [{begin}, {end}]")
        tensors.append((name, np.frombuffer(data, dtype="<f4", count=(end - begin) // 4,
                                            offset=begin).reshape(shape)))
        pos = end
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} trailing bytes after the last tensor")
    if "crc32" in metadata:
        crc = f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"
        if crc != metadata["crc32"].lower():
            raise ValueError(f"{path} is corrupt: CRC-32 of the data is {crc} "
                             f"but the header says {metadata['crc32']}")
    return tensors, metadata


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--values", type=int, default=0, metavar="N",
                        help="also print the first N values of each tensor")
    args = parser.parse_args()
    try:
        tensors, metadata = read_checkpoint(args.checkpoint)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        print(f"read_checkpoint: {e}", file=sys.stderr)
        return 1
    for name, a in tensors:
        line = f"{name} shape={list(a.shape)} sum={a.astype(np.float64).sum():.9g}"
        if args.values > 0:
            line += " values=" + " ".join(f"{v:.9g}" for v in a.reshape(-1)[:args.values])
        print(line)
    for key in sorted(metadata):
        print(f"metadata {key}={metadata[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
