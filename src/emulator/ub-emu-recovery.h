/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * An emulated Xiaomi recovery in "Connect with MIAssistant" mode: an adb
 * *device* (CNXN banner "sideload::"), written independently of src/adb.
 * Services: getdevice: getversion: getsn: getcodebase: getbranch:
 * getlanguage: getregion: getromzone: (each one WRTE with the value and a
 * newline, then CLSE), format-data:, reboot:[bootloader|recovery], and
 * sideload-host:SIZE:BLOCK:TOKEN:0. For sideload it checks the token with
 * the test key (ub-emu-xiaomi-key.h: serial, version, zone must be this
 * phone's), asks for every block in a scrambled order, some twice, in two
 * passes (verify, then install), writes what it receives at its offsets in
 * the package file, checks the package's SHA-1 against the token, and ends
 * with "DONEDONE" or a failure text.
 *
 * Thread-safe: sessions may run on other threads (TCP server, USB bridge).
 */

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  UB_EMU_RECOVERY_FAULT_NONE,
  UB_EMU_RECOVERY_FAULT_SILENCE,      /* stop asking for blocks for fault_ms mid-install, then go on
                                       * (fault_bytes 0: before the first request) */
  UB_EMU_RECOVERY_FAULT_UNPLUG,       /* drop the link after fault_bytes of the package were served,
                                       * or on format-data: before its answer */
  UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, /* verify pass done, then a failure text */
  UB_EMU_RECOVERY_FAULT_AUTH,         /* answer CNXN with AUTH (a started phone) */
  UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD, /* banner "device::" (a started phone, adb authorised) */
} UbEmuRecoveryFault;

/* The text the emulated recovery ends a failed install with. */
#define UB_EMU_RECOVERY_FAIL_TEXT "Installation failed: signature verification failed"

#define UB_TYPE_EMU_RECOVERY (ub_emu_recovery_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuRecovery, ub_emu_recovery, UB, EMU_RECOVERY, GObject)

/* A phone with the defaults below; @package_path receives the sideloaded
 * package (created/truncated at each install). */
UbEmuRecovery *ub_emu_recovery_new            (const char    *package_path);

/* Defaults: device "begonia", version "V12.5.6.0.RGGMIXM", sn "3f6a2b91",
 * codebase "11.0", branch "F", language "en-US", region "GL", romzone "2". */
void           ub_emu_recovery_set_info       (UbEmuRecovery *self,
                                               const char    *key,
                                               const char    *value);
const char    *ub_emu_recovery_get_info       (UbEmuRecovery *self,
                                               const char    *key);

void           ub_emu_recovery_set_fault      (UbEmuRecovery      *self,
                                               UbEmuRecoveryFault  fault,
                                               guint64             fault_bytes,
                                               guint               fault_ms);

/* Additive (not in the agreed interface): a fault from text, for command
 * lines: "none", "silence:BYTES:MS", "unplug:BYTES", "install-fail", "auth",
 * "not-sideload". G_IO_ERROR_INVALID_ARGUMENT otherwise. */
gboolean       ub_emu_recovery_set_fault_from_string (UbEmuRecovery  *self,
                                                      const char     *spec,
                                                      GError        **error);

/* Additive: what happened so far, as a key file group [recovery] (installs,
 * formats, last-reboot, last-error, bytes-received), for tests that run the
 * recovery in another process. */
char          *ub_emu_recovery_dup_summary    (UbEmuRecovery *self);

/* Milliseconds the recovery "works" before the final message (default 0). */
void           ub_emu_recovery_set_install_delay (UbEmuRecovery *self,
                                                  guint          ms);

/* What happened (for tests and the demo). */
guint          ub_emu_recovery_get_installs   (UbEmuRecovery *self); /* successful installs */
guint          ub_emu_recovery_get_formats    (UbEmuRecovery *self); /* format-data: count */
/* "", "bootloader", "recovery" for the last reboot: request; NULL if none. */
const char    *ub_emu_recovery_get_last_reboot (UbEmuRecovery *self);
/* Bytes served to the recovery in the last sideload (blocks read twice count twice). */
guint64        ub_emu_recovery_get_bytes_received (UbEmuRecovery *self);
/* The last failure the recovery reported (final text), or NULL. */
const char    *ub_emu_recovery_get_last_error (UbEmuRecovery *self);

/* ------------------------------------------------------------------ */
/* One adb connection to the recovery: bytes in, packets out (like
 * UbEmuSession). Used by UbEmuAdbServer (TCP) and the USB bridge. */

#define UB_TYPE_EMU_RECOVERY_SESSION (ub_emu_recovery_session_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuRecoverySession, ub_emu_recovery_session, UB, EMU_RECOVERY_SESSION, GObject)

/* Called for every device->host write: a 24-byte header, or a payload (the
 * two are separate calls, as on USB). May be called from a timer in
 * @context (delayed answers). */
typedef void (*UbEmuRecoveryOutputFunc) (const guint8 *data,
                                         gsize         len,
                                         gpointer      user_data);

UbEmuRecoverySession *ub_emu_recovery_session_new  (UbEmuRecovery           *recovery,
                                                    GMainContext            *context,
                                                    UbEmuRecoveryOutputFunc  output,
                                                    gpointer                 user_data);
/* Host bytes (any split). FALSE: the device drops the link now. */
gboolean              ub_emu_recovery_session_feed (UbEmuRecoverySession    *self,
                                                    const guint8            *buf,
                                                    gsize                    len);
/* TRUE once the session decided to drop the link. That happens only in
 * feed(), which then returns FALSE (the session's timers never drop it). */
gboolean              ub_emu_recovery_session_is_closed (UbEmuRecoverySession *self);

G_END_DECLS
