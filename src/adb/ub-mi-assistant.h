/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * A phone in Xiaomi's recovery, "Connect with MIAssistant" mode: an adb
 * connection whose banner is "sideload::", and the Mi Assistant services:
 * get…: (info), format-data:, reboot:[bootloader|recovery], and
 * sideload-host:SIZE:BLOCK:TOKEN:0 (install an approved recovery ROM).
 * Blocking calls: use from a worker thread (the job) or a GTask.
 */

#include <gio/gio.h>

#include "ub-adb-connection.h"
#include "ub-recovery-info.h"

G_BEGIN_DECLS

/* Block size the host offers in sideload-host (as MiAssistant tools and AOSP). */
#define UB_SIDELOAD_BLOCK_SIZE 65536

typedef enum {
  UB_RECOVERY_REBOOT_SYSTEM,      /* "reboot:" */
  UB_RECOVERY_REBOOT_BOOTLOADER,  /* "reboot:bootloader" */
  UB_RECOVERY_REBOOT_RECOVERY,    /* "reboot:recovery" */
} UbRecoveryRebootTarget;

/* How far an install is: the recovery reads the package about twice
 * (first to check it, then to install it). */
typedef enum {
  UB_SIDELOAD_PHASE_CHECKING = 1,
  UB_SIDELOAD_PHASE_INSTALLING = 2,
} UbSideloadPhase;

/* Called from the calling thread after every block served. @served counts
 * all bytes sent in this install (blocks sent twice count twice). */
typedef void (*UbSideloadProgressFunc) (UbSideloadPhase phase,
                                        guint64         served,
                                        guint64         size,
                                        gpointer        user_data);

#define UB_TYPE_MI_ASSISTANT (ub_mi_assistant_get_type ())
G_DECLARE_FINAL_TYPE (UbMiAssistant, ub_mi_assistant, UB, MI_ASSISTANT, GObject)

/*
 * Opens the phone at @address: NULL (the only adb device on USB), a serial,
 * "usb:PATH", or "tcp:HOST[:PORT]" (adb's TCP transport, port 5555), then
 * connects (CNXN). A banner other than "sideload::" gives
 * UB_ADB_ERROR_NOT_MI_ASSISTANT with a message saying how to enter
 * "Connect with MIAssistant"; AUTH gives UB_ADB_ERROR_AUTH_REQUIRED.
 */
UbMiAssistant  *ub_mi_assistant_open          (const char      *address,
                                               GCancellable    *cancellable,
                                               GError         **error);

/* The same on an already connected adb connection (tests, in-memory). */
UbMiAssistant  *ub_mi_assistant_new           (UbAdbConnection *connection,
                                               GError         **error);

/* "usb:1-4" or "tcp:127.0.0.1:5555": what reopens this phone. */
const char     *ub_mi_assistant_get_address   (UbMiAssistant   *self);

/* Reads device, version, sn, codebase, branch, language, region, romzone
 * (one service each; a refused one stays NULL). Fails only when the link
 * fails or device/version/sn are all missing. */
UbRecoveryInfo *ub_mi_assistant_read_info     (UbMiAssistant   *self,
                                               GCancellable    *cancellable,
                                               GError         **error);

/* Opens @address, reads its info and lets go, on a worker thread (the
 * phone list's probe; ub_mi_assistant_open's errors). */
void            ub_mi_assistant_probe_async   (const char          *address,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
UbRecoveryInfo *ub_mi_assistant_probe_finish  (GAsyncResult        *result,
                                               GError             **error);

/* "format-data:": erases the data partition. @out_message: the phone's
 * answer text (may be empty). */
gboolean        ub_mi_assistant_format_data   (UbMiAssistant   *self,
                                               char           **out_message,
                                               GCancellable    *cancellable,
                                               GError         **error);

/* The link going away right after the request counts as success. */
gboolean        ub_mi_assistant_reboot        (UbMiAssistant          *self,
                                               UbRecoveryRebootTarget  target,
                                               GCancellable           *cancellable,
                                               GError                **error);

/* Per-request silence allowed while installing (default 5 minutes). */
void            ub_mi_assistant_set_sideload_timeout (UbMiAssistant *self,
                                                      guint          timeout_ms);

/*
 * Installs @size bytes readable from @stream (must be GSeekable: blocks are
 * asked for in any order, and again) with the update server's @token:
 * opens "sideload-host:SIZE:65536:TOKEN:0", answers each 8-digit block
 * request with that block (the last one shorter), and returns on the
 * recovery's final message: "DONEDONE" → TRUE; "FAILFAIL" or a failure text
 * → UB_ADB_ERROR_INSTALL_FAILED (the text, when any, in the message); a
 * success text → TRUE. @out_message: the final text. A request beyond the
 * end is UB_ADB_ERROR_PROTOCOL. Cancellable between blocks. Bounded memory:
 * one block buffer.
 */
gboolean        ub_mi_assistant_sideload      (UbMiAssistant          *self,
                                               GInputStream           *stream,
                                               guint64                 size,
                                               const char             *token,
                                               UbSideloadProgressFunc  progress,
                                               gpointer                progress_data,
                                               char                  **out_message,
                                               GCancellable           *cancellable,
                                               GError                **error);

void            ub_mi_assistant_close         (UbMiAssistant   *self);

G_END_DECLS
