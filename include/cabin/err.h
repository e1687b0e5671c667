/* SPDX-License-Identifier: MIT */
/* Error context: the last parameter of every fallible call. Filled where the error
 * happens, logged once at the top. */
#ifndef CABIN_ERR_H
#define CABIN_ERR_H

#include <stdarg.h>

struct cabin_err {
	int code; /* positive errno, 0 when no error */
	char msg[256];
};

/* Set e (if not NULL) to "fmt...: strerror(errnum)" and return -errnum.
 * errnum 0 means no errno text is appended; the return is then -EINVAL. */
int err_set(struct cabin_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with errnum = errno. */
int err_sys(struct cabin_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct cabin_err *e);

/* write "cabin: <msg>\n" to stderr with one write(2) */
void err_print(const struct cabin_err *e);
/* printf-style one-line message to a fd with one write(2); never allocates */
void fdprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
