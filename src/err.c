// SPDX-License-Identifier: MIT
/* Error context and small formatted writes. Owns the only printf-style output path of
 * the daemon; never allocates (vsnprintf into fixed buffers, one write(2) per line). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cabin/err.h"

static int vset(struct cabin_err *e, int errnum, const char *fmt, va_list ap)
{
	if (e) {
		int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);

		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(e->msg))
			n = sizeof(e->msg) - 1;
		if (errnum)
			snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
		e->code = errnum ? errnum : EINVAL;
	}
	return errnum ? -errnum : -EINVAL;
}

int err_set(struct cabin_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(e, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int err_sys(struct cabin_err *e, const char *fmt, ...)
{
	int errnum = errno ? errno : EIO;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(e, errnum, fmt, ap);
	va_end(ap);
	return r;
}

void err_clear(struct cabin_err *e)
{
	e->code = 0;
	e->msg[0] = 0;
}

void fdprintf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (write(fd, buf, n) < 0 && errno == EINTR)
		;
}

void err_print(const struct cabin_err *e)
{
	fdprintf(2, "cabin: %s\n", e->msg[0] ? e->msg : "unknown error");
}
