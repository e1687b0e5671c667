/* SPDX-License-Identifier: MIT */
/* Boot-loop memory and the last known-good configuration (rung 4 of the escalation
 * ladder, ladder.h). Under state_dir (persistent): `boots` counts the boots that never
 * became good ("COUNT FIRST_BOOT_TIME BAD_HASH"), `good/` holds a copy of the config
 * files that last ran good_after with every container up and healthy. Files are written
 * with fsync + rename: at start-up before the loop, and later by a child process, so the
 * loop never waits on the disk. */
#ifndef CABIN_BOOTLOOP_H
#define CABIN_BOOTLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/conf.h"
#include "cabin/ctl.h"

enum boot_action { BOOT_NORMAL, BOOT_KNOWN_GOOD, BOOT_STOP };

/* At start-up, with the config as parsed (ok: without errors): count this boot and say
 * which config to run. BOOT_KNOWN_GOOD: good_file/good_dir name the saved copy. The
 * keys come from c even when it has errors (each key's own line was valid, or it has
 * its default). */
enum boot_action bootloop_start(const struct conf *c, bool ok, char *good_file, char *good_dir,
				size_t n);
/* Each loop iteration: good = every autostart container up and healthy and the
 * watchdog may be fed. After good_after of it: the boot counter is cleared and the
 * config saved as known-good, by a child. */
void bootloop_tick(uint64_t now, bool good);
/* when the loop must look again (the end of good_after), 0 none */
uint64_t bootloop_next_deadline(void);
/* the running config changed (reload): judged again from now, saved when good */
void bootloop_config_changed(const struct conf *c);
bool bootloop_reaped(pid_t pid, int status);
void bootloop_kv(struct ctl_reply *rp);
/* non-NULL while something the operator must know holds (running the known-good) */
const char *bootloop_warning(void);
/* the state directory in use, NULL when off */
const char *bootloop_state_dir(void);

#endif
