/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-download.h"
#include "ub-rom-release.h"

G_BEGIN_DECLS

#define UB_TYPE_DOWNLOAD_PANEL (ub_download_panel_get_type ())
G_DECLARE_FINAL_TYPE (UbDownloadPanel, ub_download_panel, UB, DOWNLOAD_PANEL, GtkBox)

/*
 * Part of the firmware page: an official ROM's address (and optionally its
 * full MD5) → UbDownload into the download folder (GSettings
 * download-folder, else the XDG Downloads folder) with progress, speed,
 * time left, Pause/Resume and Stop. ::downloaded (const char *path) once
 * the file is complete and checked. Its "busy" property is TRUE while a
 * download runs or is paused.
 */
void        ub_download_panel_set_url     (UbDownloadPanel *self,
                                           const char      *url,
                                           const char      *md5);
/* What the Download button does. */
void        ub_download_panel_start       (UbDownloadPanel *self);
/* Starts @download (not started yet) with this panel's progress, Pause/Resume and Stop. */
void        ub_download_panel_start_download (UbDownloadPanel *self,
                                              UbDownload      *download);
/*
 * Downloads @release from @mirrors (ub_rom_release_dup_urls) into the download
 * folder, checking its full MD5 and exact size when the catalog has them.
 * FALSE (the reason shown) when it could not start.
 */
gboolean    ub_download_panel_start_release  (UbDownloadPanel    *self,
                                              UbRomRelease       *release,
                                              const char * const *mirrors);
/* Back to the address form after a release download, unless one is running. */
void        ub_download_panel_forget_release (UbDownloadPanel *self);
/*
 * Downloads one file from @urls (the same name at every address, tried in
 * turn) into the download folder, checking its full @md5 (NULL: the name's
 * 10 hex digits only) and its exact @size (0: unknown). While it runs, the
 * address form gives way to @title (not NULL) and @description (what is
 * downloaded from where). FALSE (the reason shown) when it could not start.
 * ub_download_panel_forget_release() brings the form back.
 */
gboolean    ub_download_panel_start_urls  (UbDownloadPanel    *self,
                                           const char * const *urls,
                                           const char         *md5,
                                           guint64             size,
                                           const char         *title,
                                           const char         *description);
void        ub_download_panel_pause       (UbDownloadPanel *self);
void        ub_download_panel_stop        (UbDownloadPanel *self);
gboolean    ub_download_panel_get_busy    (UbDownloadPanel *self);
/* The last error shown, or NULL. */
const char *ub_download_panel_get_error   (UbDownloadPanel *self);
/* In ::downloaded: the file's MD5 when the download computed one to check it
 * (the name's or a given MD5 matched), else NULL. */
const char *ub_download_panel_get_md5     (UbDownloadPanel *self);

G_END_DECLS
