/*
 * test_buf.c - growable buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "base/buf.h"

static void
test_append_grows_and_terminates(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_append(&b, "abc", 3);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 2997, "abc", 3);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
test_printf_appends_formatted(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "n=");
	buf_printf(&b, "%d/%s", 9, "10");
	assert_string_equal(buf_cstr(&b), "n=9/10");
	buf_free(&b);
}

static void
test_html_escapes_markup_and_quotes(void **state)
{
	struct buf b = BUF_INIT;
	const char in[] = "<a href=\"x\">'&'</a>";

	(void)state;
	buf_append_html(&b, in, sizeof(in) - 1);
	assert_string_equal(buf_cstr(&b),
	    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	buf_free(&b);
}

static void
test_html_keeps_nul_from_reaching_output(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_append_html(&b, "a\0b", 3);
	assert_string_equal(buf_cstr(&b), "a&#xFFFD;b");
	buf_free(&b);
}

static void
test_steal_hands_over_and_empties(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	s = buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	buf_puts(&b, "x");
	buf_truncate(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	s = buf_steal(&b);
	assert_null(b.data);
	free(s);
}

static void
test_read_file_reads_all_and_keeps_its_limit(void **state)
{
	char path[] = "/tmp/npsgate-test-buf-XXXXXX";
	struct buf b = BUF_INIT;
	char data[70000];
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);	/* NUL bytes included */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	close(fd);
	assert_int_equal(buf_read_file(&b, path, 0), 0);
	assert_int_equal(b.len, sizeof(data));
	assert_memory_equal(b.data, data, sizeof(data));
	buf_reset(&b);
	assert_int_equal(buf_read_file(&b, path, sizeof(data)), 0);
	buf_reset(&b);
	errno = 0;
	assert_int_equal(buf_read_file(&b, path, sizeof(data) - 1), -1);
	assert_int_equal(errno, EFBIG);
	unlink(path);
	errno = 0;
	assert_int_equal(buf_read_file(&b, path, 0), -1);
	assert_int_equal(errno, ENOENT);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows_and_terminates),
		cmocka_unit_test(test_printf_appends_formatted),
		cmocka_unit_test(test_html_escapes_markup_and_quotes),
		cmocka_unit_test(test_html_keeps_nul_from_reaching_output),
		cmocka_unit_test(test_steal_hands_over_and_empties),
		cmocka_unit_test(test_read_file_reads_all_and_keeps_its_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
