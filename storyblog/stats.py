"""A file's stat, and when it can be trusted to show that the file has not changed."""

from __future__ import annotations

import os
import struct

Stat = bytes
"""A file's size, inode and modification and change times (what changes when it is saved),
packed: one small object each, for the cache holds one per file of a big blog."""
_PACKED = struct.Struct("<QQqq")

RACY_NS = 2_000_000_000
"""A file saved within this long before its stat was taken (for the cache's manifest, or
by the reader) may change again without new times (the clock's grain is coarser than a
quick second save): such a stat is not trusted to show that the file is unchanged."""


def stat_of(info: os.stat_result) -> Stat:
    return _PACKED.pack(info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)


def settled(stat: Stat, taken_ns: int) -> bool:
    """The file had not changed so close to taken_ns, when its stat was taken, that another
    save just after could leave the same times."""
    changed_ns: int = _PACKED.unpack(stat)[3]
    return changed_ns < taken_ns - RACY_NS
