/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-online-enums.h"
#include "ub-progress.h"

G_BEGIN_DECLS

#define UB_TYPE_DOWNLOAD (ub_download_get_type ())
G_DECLARE_FINAL_TYPE (UbDownload, ub_download, UB, DOWNLOAD, GObject)

/**
 * UbDownloadState:
 * @UB_DOWNLOAD_STATE_IDLE: not started
 * @UB_DOWNLOAD_STATE_CHECKING: reading back bytes already on disk to checksum them
 *   (the progress then counts bytes checked)
 * @UB_DOWNLOAD_STATE_CONNECTING: sending a request
 * @UB_DOWNLOAD_STATE_DOWNLOADING: receiving (the progress counts bytes in the file)
 * @UB_DOWNLOAD_STATE_PAUSED: paused by ub_download_pause(); the connection is closed
 * @UB_DOWNLOAD_STATE_RETRYING: the connection was lost; waiting before trying again
 * @UB_DOWNLOAD_STATE_SUCCEEDED: the file is complete, checked and has its final name
 * @UB_DOWNLOAD_STATE_FAILED: failed or cancelled (see the "finished" error)
 */
typedef enum {
  UB_DOWNLOAD_STATE_IDLE,
  UB_DOWNLOAD_STATE_CHECKING,
  UB_DOWNLOAD_STATE_CONNECTING,
  UB_DOWNLOAD_STATE_DOWNLOADING,
  UB_DOWNLOAD_STATE_PAUSED,
  UB_DOWNLOAD_STATE_RETRYING,
  UB_DOWNLOAD_STATE_SUCCEEDED,
  UB_DOWNLOAD_STATE_FAILED,
} UbDownloadState;

/*
 * Downloads one file over HTTPS (plain HTTP only to this machine) into a folder:
 * data goes to "<name>.part", which is renamed to <name> only once it is
 * complete and every known MD5 matched (the 10 hex digits at the end of a
 * Xiaomi ROM name, and the full MD5 when given). Resumes an existing .part,
 * retries lost connections with Range requests, streams in bounded memory.
 *
 * Signals ("state-changed", "finished") are emitted on the thread-default
 * main context of the caller of ub_download_new() after ub_download_start()
 * (they travel as events of its progress), or on the calling thread for
 * ub_download_run_sync(). Progress (bytes, rate, time left) goes through
 * ub_download_get_progress(), whose ::changed comes on that same context, the
 * last one before "finished". Errors: UB_ONLINE_ERROR (BAD_URL,
 * NO_SPACE, CHECKSUM, NETWORK, FAILED) or G_IO_ERROR_CANCELLED.
 */
UbDownload     *ub_download_new                  (const char    *url,
                                                  const char    *dest_dir,
                                                  GError       **error);
/*
 * The same file at several addresses (e.g. ub_rom_release_dup_urls()): all must
 * end in the same file name; each is checked like ub_download_new()'s URL.
 * Before downloading, a HEAD on the current mirror learns the exact size (for the
 * free-space check and the progress). A mirror that answers an HTTP error (404,
 * 403, 5xx), refuses the connection, sends nothing for the stall timeout, or is
 * throttled (under the minimum rate for the stall timeout) is left and the next
 * one continues the same .part with a Range request. When every mirror has
 * failed: UB_ONLINE_ERROR_NETWORK naming the last reason. ub_download_get_url()
 * returns the first address.
 */
UbDownload     *ub_download_new_for_mirrors       (const char * const *urls,
                                                   const char         *dest_dir,
                                                   GError            **error);
/* The address in use now (thread-safe copy). */
char           *ub_download_dup_current_url       (UbDownload    *self);
/* Seconds without a byte before a mirror counts as stalled (default 30) and the
 * minimum rate in bytes/s averaged over that time (default 16 KiB/s; 0 = none). */
void            ub_download_set_stall_policy      (UbDownload    *self,
                                                   guint          stall_seconds,
                                                   guint64        min_rate);
/* An exact size known in advance (0 = unknown): a server claiming another is refused. */
void            ub_download_set_expected_size     (UbDownload    *self,
                                                   guint64        size);

/* A full MD5 (32 hex digits) to check as well; refused if it contradicts the name. */
gboolean        ub_download_set_expected_md5     (UbDownload    *self,
                                                  const char    *md5_hex,
                                                  GError       **error);
/* Consecutive failed attempts tolerated (default 6) and the first wait (default
 * 1000 ms, doubled each time, at most 30 s). */
void            ub_download_set_retry_policy     (UbDownload    *self,
                                                  guint          max_retries,
                                                  guint          first_delay_ms);

const char     *ub_download_get_url              (UbDownload    *self);
const char     *ub_download_get_file_name        (UbDownload    *self);
const char     *ub_download_get_final_path       (UbDownload    *self);
const char     *ub_download_get_part_path        (UbDownload    *self);
UbDownloadState ub_download_get_state            (UbDownload    *self);
/* Bytes in the file (or checked, while CHECKING) of its size (0 while unknown);
 * reset whenever checking or downloading starts (the rate is this transfer's);
 * finished on success. */
UbProgress     *ub_download_get_progress         (UbDownload    *self);
/* After success: the file was already there and correct; nothing was downloaded. */
gboolean        ub_download_get_already_present  (UbDownload    *self);
/* After success: the MD5 of the file when one was computed (an MD5 was known), else NULL. */
const char     *ub_download_get_md5              (UbDownload    *self);
/* Whether the next step checks an MD5 (from the name or ub_download_set_expected_md5()). */
gboolean        ub_download_has_md5_check        (UbDownload    *self);

/* Runs on a worker thread; "finished" tells the outcome. Not while already running. */
void            ub_download_start                (UbDownload    *self,
                                                  GCancellable  *cancellable);
/* Blocks the calling thread; signals are emitted on it. */
gboolean        ub_download_run_sync             (UbDownload    *self,
                                                  GCancellable  *cancellable,
                                                  GError       **error);
/* Closes the connection and waits; resume() continues with a Range request. Thread-safe. */
void            ub_download_pause                (UbDownload    *self);
void            ub_download_resume               (UbDownload    *self);
gboolean        ub_download_is_paused            (UbDownload    *self);

G_END_DECLS
