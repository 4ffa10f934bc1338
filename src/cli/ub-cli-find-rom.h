/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-cli-demo.h"
#include "ub-cli-progress.h"

G_BEGIN_DECLS

/* What `find-rom` and `download --latest` were given. */
typedef struct {
  const char    *address;    /* the phone (-s, or the demo's), or NULL */
  const char    *product;    /* --product, or NULL: asked from the phone */
  const char    *region;     /* --region as typed, or NULL */
  gboolean       all;        /* --all: history, betas, special editions */
  gboolean       json;
  const char    *dir;        /* --dir (download), or NULL: Downloads */
  guint          timeout_s;
  UbCliDemo     *demo;       /* --demo: its catalog and mirror, or NULL */
  UbCliProgress *progress;
  GCancellable  *cancellable;
} UbCliFindRomOptions;

/* `unbrick-cli find-rom`: the official ROMs for a phone, as a table or JSON on stdout. */
gboolean ub_cli_find_rom        (const UbCliFindRomOptions *opt,
                                 GError                   **error);
/* `unbrick-cli download --latest`: the newest stable fastboot ROM for a region;
 * prints the file's path on stdout. */
gboolean ub_cli_download_latest (const UbCliFindRomOptions *opt,
                                 GError                   **error);

G_END_DECLS
