/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The emulated phone: a fastboot *device* that behaves like a Qualcomm ABL
 * bootloader on a Xiaomi phone. Transport-agnostic: a transport (TCP
 * server, umockdev USB bridge, in-process demo) opens a UbEmuSession per
 * connection and feeds it the host's packets.
 */

#define UB_TYPE_EMU_PHONE (ub_emu_phone_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuPhone, ub_emu_phone, UB, EMU_PHONE, GObject)

/*
 * @profile: a GKeyFile profile (see tests/data/profiles/ and
 *   docs/EMULATOR.md), NULL for the built-in default.
 * @state_dir: directory holding one sparse file per partition and the
 *   write log; created if missing. Existing partition files are kept, so
 *   a phone "survives" a restart of the emulator.
 */
UbEmuPhone  *ub_emu_phone_new               (GKeyFile     *profile,
                                             const char   *state_dir,
                                             GError      **error);
UbEmuPhone  *ub_emu_phone_new_from_file     (const char   *profile_path,
                                             const char   *state_dir,
                                             GError      **error);

/* Owned by the phone; valid until "serialno" is changed with set_var. */
const char  *ub_emu_phone_get_serial        (UbEmuPhone   *self);
const char  *ub_emu_phone_get_state_dir     (UbEmuPhone   *self);
/* Path of the file backing @partition (exact name, e.g. "boot_a"), or NULL. */
char        *ub_emu_phone_get_partition_path (UbEmuPhone  *self,
                                              const char  *partition);
/* Change a device variable at run time (e.g. "unlocked" "no"). */
void         ub_emu_phone_set_var           (UbEmuPhone   *self,
                                             const char   *name,
                                             const char   *value);

/* Whether the phone restarts (drops the connection) right after answering OKAY
 * to `oem lock` / `flashing lock`, as Xiaomi phones do; the profile's
 * [emulator] restart-on-lock, default off (on in the built-in profile). */
void         ub_emu_phone_set_restart_on_lock (UbEmuPhone *self,
                                               gboolean    restart);
gboolean     ub_emu_phone_get_restart_on_lock (UbEmuPhone *self);
/*
 * Fault injection, also settable from the profile's [faults] group:
 *   "fail:<command-prefix>[:<nth>][:<message>]"  answer FAIL to the nth matching command (default 1st)
 *   "disconnect-after:<bytes>"     drop the connection after that many download bytes
 *   "stall:<command-prefix>"       stop answering/reading when that command arrives
 *   "stall-after:<bytes>"          stop reading after that many download bytes
 *   "delay:<command-prefix>:<ms>"  wait before answering
 *   "data-size:<delta>"            answer DATA with the requested size plus delta
 *   "deferred-fail:<partition>"    a flash of it answers OKAY, the next flash/download
 *                                  answers "Error: Last flash failed : Device Error"
 *   "rate:<bytes-per-second>"      download data is taken in no faster than that (the
 *                                  session sleeps; TCP backpressure slows the host); 0 = no limit
 * A hostile phone (docs/EMULATOR.md), each for every matching command:
 *   "long-reply:<prefix>"          OKAY and 252 bytes more (ABL answers at most 64)
 *   "split-reply:<prefix>"         the answer cut in two packets ("OK", "AY…")
 *   "empty-reply:<prefix>"         a zero-byte packet before the answer
 *   "info-flood:<prefix>", "text-flood:<prefix>"  INFO/TEXT lines without end
 *                                  (until clear_faults or the host goes)
 *   "info-stall:<prefix>"          one INFO line, then silence (like stall)
 *   "babble:<prefix>"              a 2048-byte answer (USB: an overflow; TCP cuts it at 256)
 *   "new-serial:<serial>"          the next reboot brings the phone back with that serial
 * fail, stall, *-after, deferred-fail and new-serial fire once; delay, data-size
 * and the hostile replies apply to every match; rate is a setting (the latest one applies).
 * Details: docs/EMULATOR.md.
 */
gboolean     ub_emu_phone_add_fault         (UbEmuPhone   *self,
                                             const char   *spec,
                                             GError      **error);

/* Remove every fault (configured or pending) and the rate limit. */
void         ub_emu_phone_clear_faults      (UbEmuPhone   *self);

/* Current value of a device variable (as `getvar` would answer for plain
 * variables), or NULL. */
char        *ub_emu_phone_dup_var           (UbEmuPhone   *self,
                                             const char   *name);

/* Number of completed downloads/flash writes, for tests. */
guint        ub_emu_phone_get_n_writes      (UbEmuPhone   *self);

G_END_DECLS
