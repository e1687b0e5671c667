// SPDX-License-Identifier: MIT
/* printf formatting of our own: the conversions cabin uses (d i u x X o c s p %, flags
 * - 0 + space #, width and precision, `*` for either, lengths hh h l ll z j t) and no
 * floating point. Defining vsnprintf and vfprintf here keeps musl's (its printf core
 * and float formatter, ~9 KB of the binary) out of the link; snprintf, printf, fprintf,
 * fdprintf and libcap's sprintf/asprintf all come here. Unknown conversions are copied
 * as they are. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *p;
	size_t n, len; /* len: what the whole output needs, past n too */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->p[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int k)
{
	while (k-- > 0)
		put(o, c);
}

struct spec {
	int left, zero, plus, space, alt, width, prec;
};

static void number(struct out *o, const struct spec *sp, uintmax_t v, int neg, int base, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], pre[3];
	int nd = 0, np = 0, body, zeros;

	while (v) {
		tmp[nd++] = dig[v % (unsigned)base];
		v /= (unsigned)base;
	}
	if (nd == 0 && sp->prec != 0)
		tmp[nd++] = '0'; /* "%.0d" of 0 prints nothing, as C says */
	if (neg)
		pre[np++] = '-';
	else if (sp->plus)
		pre[np++] = '+';
	else if (sp->space)
		pre[np++] = ' ';
	if (sp->alt && base == 16 && !(nd == 1 && tmp[0] == '0')) {
		pre[np++] = '0';
		pre[np++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && (nd == 0 || tmp[nd - 1] != '0')) {
		tmp[nd++] = '0';
	}
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	body = np + zeros + nd;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > body) {
		zeros += sp->width - body;
		body = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - body);
	for (int i = 0; i < np; i++)
		put(o, pre[i]);
	pad(o, '0', zeros);
	while (nd)
		put(o, tmp[--nd]);
	if (sp->left)
		pad(o, ' ', sp->width - body);
}

int vsnprintf(char *restrict s, size_t n, const char *restrict fmt, va_list ap)
{
	struct out o = { s, n, 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .prec = -1 };
		const char *start = fmt;
		int len = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long / 64 bits */

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (;;) {
			char c = *++fmt;

			if (c == '-')
				sp.left = 1;
			else if (c == '0')
				sp.zero = 1;
			else if (c == '+')
				sp.plus = 1;
			else if (c == ' ')
				sp.space = 1;
			else if (c == '#')
				sp.alt = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = 1;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			sp.prec = 0;
			if (*++fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		if (*fmt == 'h') {
			len = *++fmt == 'h' ? (fmt++, -2) : -1;
		} else if (*fmt == 'l') {
			len = *++fmt == 'l' ? (fmt++, 2) : 1;
		} else if (*fmt == 'z' || *fmt == 't') {
			len = sizeof(size_t) == sizeof(long long) ? 2 : 0;
			fmt++;
		} else if (*fmt == 'j') {
			len = 2;
			fmt++;
		}
		switch (*fmt) {
		case '%':
			put(&o, '%');
			break;
		case 'c':
			if (!sp.left)
				pad(&o, ' ', sp.width - 1);
			put(&o, (char)va_arg(ap, int));
			if (sp.left)
				pad(&o, ' ', sp.width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t l;

			if (!str)
				str = "(null)";
			l = sp.prec >= 0 ? strnlen(str, (size_t)sp.prec) : strlen(str);
			if (!sp.left)
				pad(&o, ' ', sp.width - (int)l);
			for (size_t i = 0; i < l; i++)
				put(&o, str[i]);
			if (sp.left)
				pad(&o, ' ', sp.width - (int)l);
			break;
		}
		case 'd':
		case 'i': {
			intmax_t v = len == 2	? va_arg(ap, long long)
				     : len == 1 ? va_arg(ap, long)
						: va_arg(ap, int);

			if (len == -1)
				v = (short)v;
			else if (len == -2)
				v = (signed char)v;
			number(&o, &sp, v < 0 ? -(uintmax_t)v : (uintmax_t)v, v < 0, 10, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'p': {
			uintmax_t v;
			int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;

			if (*fmt == 'p') {
				v = (uintptr_t)va_arg(ap, void *);
				sp.alt = 1;
			} else {
				v = len == 2   ? va_arg(ap, unsigned long long)
				    : len == 1 ? va_arg(ap, unsigned long)
					       : va_arg(ap, unsigned);
				if (len == -1)
					v = (unsigned short)v;
				else if (len == -2)
					v = (unsigned char)v;
			}
			number(&o, &sp, v, 0, base, *fmt == 'X');
			break;
		}
		default: /* not ours (or the string ended): copied as it is */
			for (; start <= fmt && *start; start++)
				put(&o, *start);
			if (!*fmt)
				fmt--;
		}
	}
	if (n)
		s[o.len < n ? o.len : n - 1] = 0;
	return o.len > 0x7fffffff ? -1 : (int)o.len;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	char buf[1024];
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0 || n > (1 << 20)) {
		va_end(again);
		return -1;
	}
	if (n >= (int)sizeof(buf)) { /* a long line (the client's): on the stack, no malloc */
		char big[n + 1];

		vsnprintf(big, (size_t)n + 1, fmt, again);
		va_end(again);
		return fwrite(big, 1, (size_t)n, f) == (size_t)n ? n : -1;
	}
	va_end(again);
	return fwrite(buf, 1, (size_t)n, f) == (size_t)n ? n : -1;
}
