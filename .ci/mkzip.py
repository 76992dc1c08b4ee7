#!/usr/bin/env python3
"""mkzip.py ZIP DIR EPOCH NAME...: store DIR/NAME as NAME in ZIP, in the
order given, each dated EPOCH (UTC), mode 0755 for .exe and 0644 otherwise,
and nothing else that varies: the same files give the same bytes."""
import sys
import time
import zipfile


def main():
    out, top, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # DOS time starts in 1980 and has no time zone; UTC is the convention.
    date = time.gmtime(max(epoch, 315532800))[:6]
    with zipfile.ZipFile(out, "w") as z:
        for name in sys.argv[4:]:
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            mode = 0o755 if name.endswith(".exe") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            with open(f"{top}/{name}", "rb") as f:
                z.writestr(info, f.read(), compresslevel=9)


if __name__ == "__main__":
    main()
