#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# check-results.py OUTPUT STATUS [GUEST...]: judge the output of a guest
# script run by vm/run (run-vm.sh, run-fabric-vm.sh).  Each guest's part
# of OUTPUT (its lines prefixed "[gN] " when GUESTs are named, else all of
# it) must end with "N passed, N failed", and every JSON output it shows
# between "JSON-BEGIN name" and "JSON-END" must parse as an object.  A
# nonzero STATUS of vm/run is a failure too.  Prints one "ok"/"not ok"
# line per JSON output and last "N passed, N failed" over everything;
# exits 1 if anything failed.
import json
import re
import sys


def guest_text(text, guest):
    if guest is None:
        return text
    prefix = f"[{guest}] "
    return "".join(l[len(prefix):] + "\n" for l in text.splitlines()
                   if l.startswith(prefix))


def main():
    text = open(sys.argv[1]).read()
    status = int(sys.argv[2])
    guests = sys.argv[3:] or [None]
    passed = failed = 0
    for g in guests:
        body = guest_text(text, g)
        name = g or "the guest"
        m = re.findall(r'^(\d+) passed, (\d+) failed$', body, re.M)
        if m:
            passed += int(m[-1][0])
            failed += int(m[-1][1])
        else:
            failed += 1
            print(f"not ok - {name} printed no result")
        for what, js in re.findall(r'^JSON-BEGIN (\S+)\n(.*?)^JSON-END$',
                                   body, re.M | re.S):
            try:
                obj = json.loads(js)
                assert isinstance(obj, dict), "not an object"
                passed += 1
                print(f"ok - JSON of {what} parses ({len(obj)} members)")
            except Exception as e:
                failed += 1
                print(f"not ok - JSON of {what}: {e}")
    if status and not failed:
        failed += 1
        print(f"not ok - vm/run exited {status}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
