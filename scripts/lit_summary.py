"""Prints `N passed, N failed, N skipped` over lit's xunit XML files (the
line a test run ends with); a file with no results counts as one failure.

usage: lit_summary.py RESULTS.xml [RESULTS.xml ...]
"""

import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"test: error: no lit results: {error}", file=sys.stderr)
        failed += 1
        continue
    for testcase in root.iter("testcase"):
        if (testcase.find("failure") is not None
                or testcase.find("error") is not None):
            failed += 1
        elif testcase.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
