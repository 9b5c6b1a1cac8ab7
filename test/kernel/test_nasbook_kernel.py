"""Debian's jupyter_kernel_test suite against the nasbook kernel (run by test/kernel/jupyterSuite.test.ts)."""
import unittest

import jupyter_kernel_test


class NasbookKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nasbook"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = "console.log('hello, world')"
    code_stderr = "console.error('oops')"
    completion_samples = [{"text": "Math.ab", "matches": {"abs"}}]
    complete_code_samples = ["1 + 1", "const x = 3;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const s = `abc", "foo("]
    invalid_code_samples = ["let = = 3", "x = }", "const x: = 3"]
    code_generate_error = "throw new Error('boom')"
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'a' + 'b'", "result": "ab"},
        {"code": "[1, 2].map((x) => x * 10)", "result": "[ 10, 20 ]"},
    ]
    code_display_data = [
        {"code": "display('hello')", "mime": "text/plain"},
        {"code": "display({ [Symbol.for('nasbook.mime')]: () => ({ 'text/html': '<b>hi</b>' }) })", "mime": "text/html"},
    ]
    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
