"""Writing files safely: every file is written to a temporary name in the same directory
and renamed into place, so an interrupted write never leaves a half-written file and never
clobbers a good one with a broken one.

Used by the experiments (run outputs) and by the presentation (figures, reports) alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def _umask() -> int:
    """The process's umask: from ``/proc/self/status`` where there is one (Linux; reading
    it changes nothing, so it is safe while other threads create files), else by setting
    it and setting it back (there is no getter)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ``.<name>.<pid>.<8 random characters>.tmp`` (the name cut to 100 characters, so a name
# that fits fits with it); ``.<name>.<8 random characters>.tmp``: written by earlier
# versions, which named no process.  Only ever matched for a name govsim writes there.
_RANDOM = re.compile(r"[a-z0-9_]{8}\.tmp")
_WITH_PID = re.compile(r"(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then move the result to ``path``.  The file gets the
    permissions an ordinary ``open`` would give it (0666 less the umask), not the 0600 of
    ``mkstemp``.  The temporary name carries this process's id, so a later start removes
    what a killed writer left (``remove_leftovers``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name[:100]}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        if e.filename is None:  # a write that failed (a full disk): name the file it was for
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process
        return True
    except (ProcessLookupError, OverflowError, ValueError):  # gone, or no process's number
        return False
    return True


def remove_leftovers(directory: Path, names) -> list[Path]:
    """Remove the temporary files ``atomic_write`` left in ``directory`` for the files
    ``names`` (the files govsim writes there, and no other) when its process was killed
    (its process is gone; or written by an earlier version, which named no process):
    regular files only, never a link or a directory.  A hidden file of the user's that
    looks like one (``.draft.k2jd8x0q.tmp``) is not for one of ``names`` and is kept.
    Returns what it removed."""
    import stat

    names = {n[:100] for n in names}
    removed = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for e in entries:
        pid = _leftover_pid(e.name, names)
        if pid is False or not stat.S_ISREG(e.stat(follow_symlinks=False).st_mode):
            continue
        if pid is not None and (pid == os.getpid() or _alive(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(e.path)
            removed.append(Path(e.path))
    return removed


def _leftover_pid(entry: str, names: set[str]):
    """For a temporary file of one of ``names``: its writer's process id (None when an
    earlier version wrote it, naming none); False for any other file."""
    if not entry.startswith(".") or not entry.endswith(".tmp"):
        return False
    for name in names:
        prefix = f".{name}."
        if not entry.startswith(prefix):
            continue
        rest = entry[len(prefix) :]
        m = _WITH_PID.fullmatch(rest)
        if m is not None:
            return int(m.group("pid"))
        if _RANDOM.fullmatch(rest):
            return None
    return False


def write_json(path: Path, obj) -> None:
    def w(tmp: Path):
        tmp.write_text(
            json.dumps(obj, ensure_ascii=False, indent=2, default=jsonable), encoding="utf-8"
        )

    atomic_write(path, w)


def jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    atomic_write(
        path, lambda tmp: pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
    )


def write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.10g"))
