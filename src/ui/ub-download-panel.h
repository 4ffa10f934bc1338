/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define UB_TYPE_DOWNLOAD_PANEL (ub_download_panel_get_type ())
G_DECLARE_FINAL_TYPE (UbDownloadPanel, ub_download_panel, UB, DOWNLOAD_PANEL, GtkBox)

/*
 * Part of the firmware page: an official ROM's address (and optionally its
 * full MD5) → UbDownload into the download folder (GSettings
 * download-folder, else the XDG Downloads folder) with progress, speed,
 * time left, Pause/Resume and Stop. ::downloaded (const char *path) once
 * the file is complete and checked.
 */
void        ub_download_panel_set_url     (UbDownloadPanel *self,
                                           const char      *url,
                                           const char      *md5);
/* What the Download button does. */
void        ub_download_panel_start       (UbDownloadPanel *self);
void        ub_download_panel_pause       (UbDownloadPanel *self);
void        ub_download_panel_stop        (UbDownloadPanel *self);
gboolean    ub_download_panel_get_busy    (UbDownloadPanel *self);
/* The last error shown, or NULL. */
const char *ub_download_panel_get_error   (UbDownloadPanel *self);

G_END_DECLS
