/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-cli-progress.h"

G_BEGIN_DECLS

typedef struct {
  const char    *address;      /* -s, or NULL for the only phone */
  const char    *rom;
  const char    *mode;         /* clean-all, keep-data, clean-all-lock */
  gboolean       yes;          /* do not ask */
  gboolean       allow_lock;   /* the extra confirmation for clean-all-lock */
  gboolean       json;         /* events on stdout, one JSON object per line */
  gboolean       resume;       /* continue a flash that failed */
  guint          timeout_s;
  GCancellable  *stop;         /* first Ctrl+C: stop at a safe point */
  GCancellable  *abort;        /* second Ctrl+C: stop now */
  UbCliProgress *progress;
} UbCliRomOptions;

/* unbrick-cli inspect ROM [--mode M] [--json] */
gboolean ub_cli_rom_inspect (const char    *rom,
                             const char    *mode,
                             gboolean       json,
                             UbCliProgress *progress,
                             GCancellable  *cancellable,
                             GError       **error);
/* unbrick-cli flash-rom ROM --mode M [--yes] [--json] [--resume]; runs on a worker thread. */
gboolean ub_cli_rom_flash   (UbCliRomOptions *options,
                             GError         **error);

G_END_DECLS
