/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-emu-phone.h"

G_BEGIN_DECLS

/*
 * The demo mode's phone (`unbrick --demo`): an emulated phone with the
 * built-in profile (Redmi K40 / POCO F3, "alioth") served over fastboot TCP
 * on 127.0.0.1 inside this process, with its state in a temporary folder,
 * plus a small ROM in the real Xiaomi fastboot format to flash onto it.
 * No GTK. Everything in the folder is deleted when the object goes away.
 *
 * After a flash the phone stays reachable at the same address: `reboot`
 * only drops the connection, the server keeps listening. Its state
 * (flashed partitions, current slot, a lock done by "Clean all and lock")
 * stays too; ub_emu_demo_reset() gives a fresh phone for another run.
 */

#define UB_TYPE_EMU_DEMO (ub_emu_demo_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuDemo, ub_emu_demo, UB, EMU_DEMO, GObject)

/* A throttle that makes the demo ROM's flash (~125 MiB) take about 20 s. */
#define UB_EMU_DEMO_DEFAULT_RATE (6 * 1024 * 1024)

/* The demo ROM's build, for its folder name and misc.txt. */
#define UB_EMU_DEMO_ROM_VERSION "V14.0.8.0.TKHMIXM"

/* Makes the folder, the phone and the server (on a free port). No throttle. */
UbEmuDemo   *ub_emu_demo_new          (GError     **error);

/* "tcp:127.0.0.1:PORT" */
const char  *ub_emu_demo_get_address  (UbEmuDemo   *self);
/* The temporary folder holding the phone's state and the ROMs. */
const char  *ub_emu_demo_get_dir      (UbEmuDemo   *self);
/* Set variables (unlocked, product, anti…) and faults on it. Owned by the
 * demo; replaced by ub_emu_demo_reset(). */
UbEmuPhone  *ub_emu_demo_get_phone    (UbEmuDemo   *self);

/* Limits the phone's download throughput (the emulator's "rate:" setting);
 * 0 = unlimited. Kept across ub_emu_demo_reset(). */
void         ub_emu_demo_set_rate     (UbEmuDemo   *self,
                                       guint64      bytes_per_second);

/*
 * A fresh phone (profile values, empty partitions, no faults) at the same
 * address: the server is restarted on the same port (should that port be
 * taken meanwhile, on a new one: read the address again). Connections to
 * the old phone are closed. The ROMs are kept.
 */
gboolean     ub_emu_demo_reset        (UbEmuDemo   *self,
                                       GError     **error);

/*
 * Writes a small Xiaomi fastboot ROM for @product (NULL: "alioth") in the
 * demo folder and returns the ROM folder's path, e.g.
 * …/alioth_global_images_V14.0.8.0.TKHMIXM_13.0: flash_all.sh,
 * flash_all_except_storage.sh, flash_all_lock.sh (the real scripts'
 * statements), misc.txt, md5sum.xml and images/ (firmware blobs, a sparse
 * super.img, cust/metadata/userdata, crclist.txt, sparsecrclist.txt,
 * anti_version.txt = 1, platform_security_patch.txt). About 125 MiB is sent
 * when flashed; the content is deterministic. An earlier ROM of the same
 * product is replaced.
 */
char        *ub_emu_demo_write_rom    (UbEmuDemo   *self,
                                       const char  *product,
                                       GError     **error);

/*
 * The demo's ROM catalog (UbEmuRomServer, in the demo folder): started on the
 * first call (the demo ROM is packed twice, a few seconds; blocking), then
 * kept until the demo goes away. Thread-safe. NULL and @error when it could
 * not start.
 *
 * The address of latest.yml ("http://127.0.0.1:PORT/latest.yml"):
 */
const char  *ub_emu_demo_get_catalog_url (UbEmuDemo  *self,
                                          GError    **error);
/* The folder of the per-device history files ("http://127.0.0.1:PORT/history/"). */
const char  *ub_emu_demo_get_history_url (UbEmuDemo  *self,
                                          GError    **error);
/* The one download mirror ("http://127.0.0.1:PORT": files at <mirror>/<version>/<name>). */
const char  *ub_emu_demo_get_mirror_url  (UbEmuDemo  *self,
                                          GError    **error);

/*
 * The locked demo phone (Mi Assistant path). The first call sets it up: a
 * second emulated phone in fastboot mode with its bootloader locked (at
 * get_locked_address()), an emulated recovery (UbEmuRecovery behind a
 * UbEmuAdbServer), a fake update server (UbEmuUpdateServer) that approves a
 * small demo recovery ROM, and that ROM on the demo mirror
 * (<mirror>/<version>/<name>). Idempotent.
 */
gboolean     ub_emu_demo_enable_locked_phone (UbEmuDemo  *self,
                                              GError    **error);
/* "tcp:127.0.0.1:PORT" of the locked phone in fastboot mode, NULL before. */
const char  *ub_emu_demo_get_locked_address  (UbEmuDemo  *self);
/* "Presses Volume Up + Power and chooses Connect with MIAssistant": the locked
 * fastboot phone goes away and the recovery starts listening. */
gboolean     ub_emu_demo_enter_recovery      (UbEmuDemo  *self,
                                              GError    **error);
/* "tcp:127.0.0.1:PORT" of the recovery (adb TCP), NULL until entered. */
const char  *ub_emu_demo_get_recovery_address (UbEmuDemo *self);
/* The fake update server's base URL (for UNBRICK_UPDATE_SERVER / the
 * UbUpdateServer of the demo), NULL before enable_locked_phone(). */
const char  *ub_emu_demo_get_update_server_url (UbEmuDemo *self);
/* Owned by the demo; NULL before enable_locked_phone(). */
struct _UbEmuRecovery *ub_emu_demo_get_recovery (UbEmuDemo *self);

G_END_DECLS
