/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-sparse-image.h"
#include "ub-transport.h"

G_BEGIN_DECLS

#define UB_TYPE_FASTBOOT_CLIENT (ub_fastboot_client_get_type ())
G_DECLARE_FINAL_TYPE (UbFastbootClient, ub_fastboot_client, UB, FASTBOOT_CLIENT, GObject)

/* Default deadlines (milliseconds); each is reset by an INFO/TEXT line. */
#define UB_FASTBOOT_TIMEOUT_SHORT  10000   /* getvar and other quick commands */
#define UB_FASTBOOT_TIMEOUT_LONG   120000  /* after data, flash, erase, oem */
#define UB_FASTBOOT_TIMEOUT_STALL  30000   /* no byte accepted during a data phase */
/* A command's INFO/TEXT lines restart its deadline, up to this many times its
 * timeout in all and this many lines (a phone that never finishes is an error). */
#define UB_FASTBOOT_MAX_WAIT_FACTOR 4u
#define UB_FASTBOOT_MAX_INFO_LINES  10000u

typedef struct {
  const char *partition;  /* resolved name being written */
  guint       piece;      /* 1-based piece being sent */
  guint       n_pieces;
  guint64     done;       /* bytes sent for the whole image so far */
  guint64     total;      /* bytes the whole image takes on the wire */
} UbFastbootProgress;

/* Called on the thread running the operation. */
typedef void (*UbFastbootProgressFunc) (const UbFastbootProgress *progress,
                                        gpointer                  user_data);

UbFastbootClient *ub_fastboot_client_new            (UbTransport      *transport);
UbTransport      *ub_fastboot_client_get_transport  (UbFastbootClient *self);
/* A client on ub_transport_open (@address): "tcp:…", "usb:…", a serial, NULL. Blocking. */
UbFastbootClient *ub_fastboot_client_open           (const char       *address,
                                                     GCancellable     *cancellable,
                                                     GError          **error);
/* Closes the transport (releases the USB interface for the next opener). */
void              ub_fastboot_client_close          (UbFastbootClient *self);
void              ub_fastboot_client_set_timeouts   (UbFastbootClient *self,
                                                     guint             short_ms,
                                                     guint             long_ms,
                                                     guint             stall_ms);

/*
 * Sends one command and waits for OKAY; INFO/TEXT lines are emitted as the
 * "info" signal (on the calling thread). @value receives the OKAY payload.
 * A FAIL becomes UB_FASTBOOT_ERROR_REMOTE with the device's text, or
 * UB_FASTBOOT_ERROR_DEFERRED when the device reports that the previous
 * write failed ("Error: Last flash failed : …").
 */
gboolean  ub_fastboot_client_command      (UbFastbootClient  *self,
                                           const char        *command,
                                           guint              timeout_ms,
                                           char             **value,
                                           GCancellable      *cancellable,
                                           GError           **error);
char     *ub_fastboot_client_getvar       (UbFastbootClient  *self,
                                           const char        *name,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* getvar:all as the device's INFO lines (NULL-terminated). */
GStrv     ub_fastboot_client_getvar_all   (UbFastbootClient  *self,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* max-download-size, cached until the next reboot; 0 when not reported. */
guint64   ub_fastboot_client_get_max_download_size (UbFastbootClient *self,
                                                    GCancellable     *cancellable,
                                                    GError          **error);
/*
 * AOSP's slot rule: a name that already ends in _a/_b/_ab is used as it is;
 * otherwise has-slot:NAME "yes" appends _<current-slot>, and "no" or a FAIL
 * leaves the name unchanged.
 */
char     *ub_fastboot_client_resolve_partition (UbFastbootClient *self,
                                                const char       *name,
                                                GCancellable     *cancellable,
                                                GError          **error);

/* download:SIZE, then @size bytes from @stream, checking the size in DATA. */
gboolean  ub_fastboot_client_download     (UbFastbootClient  *self,
                                           GInputStream      *stream,
                                           guint64            size,
                                           UbTransportProgressFunc progress,
                                           gpointer           progress_data,
                                           GCancellable      *cancellable,
                                           GError           **error);
/*
 * Flashes an image file: resolves the slot, refuses an image larger than the
 * partition (when the device reports partition-size), splits it for
 * max-download-size like AOSP (see UbSparseImage) and sends each piece with
 * download + flash.
 */
gboolean  ub_fastboot_client_flash        (UbFastbootClient  *self,
                                           const char        *partition,
                                           const char        *path,
                                           UbFastbootProgressFunc progress,
                                           gpointer           progress_data,
                                           GCancellable      *cancellable,
                                           GError           **error);
/*
 * The same for an image already opened (and maybe split) by the caller.
 * When @stop_between_pieces is cancelled, the flash stops after the piece
 * being sent has been written (the protocol stays in step) and fails with
 * G_IO_ERROR_CANCELLED; @cancellable stops at once.
 */
gboolean  ub_fastboot_client_flash_image  (UbFastbootClient  *self,
                                           const char        *partition,
                                           UbSparseImage     *image,
                                           UbFastbootProgressFunc progress,
                                           gpointer           progress_data,
                                           GCancellable      *stop_between_pieces,
                                           GCancellable      *cancellable,
                                           GError           **error);
gboolean  ub_fastboot_client_erase        (UbFastbootClient  *self,
                                           const char        *partition,
                                           GCancellable      *cancellable,
                                           GError           **error);
gboolean  ub_fastboot_client_set_active   (UbFastbootClient  *self,
                                           const char        *slot,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* @target: NULL or "system", "bootloader", "fastboot", "recovery". Closes the transport. */
gboolean  ub_fastboot_client_reboot       (UbFastbootClient  *self,
                                           const char        *target,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* "boot" (after a download of the image): the phone starts it and leaves
 * fastboot mode, so the transport is closed once it said OKAY. */
gboolean  ub_fastboot_client_boot         (UbFastbootClient  *self,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* "oem ARGS"; @value receives the OKAY payload. */
gboolean  ub_fastboot_client_oem          (UbFastbootClient  *self,
                                           const char        *args,
                                           char             **value,
                                           GCancellable      *cancellable,
                                           GError           **error);
/* "flashing lock|unlock|lock_critical|unlock_critical|get_unlock_ability" */
gboolean  ub_fastboot_client_flashing     (UbFastbootClient  *self,
                                           const char        *action,
                                           GCancellable      *cancellable,
                                           GError           **error);

G_END_DECLS
