# -*- Python -*-
"""lit configuration of the gtest unit tests: one lit test per gtest case."""

import lit.formats

config.name = config.tessel_unit_suite
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.tessel_unit_dir
config.test_exec_root = config.tessel_unit_dir
