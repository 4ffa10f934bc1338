/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An emulated phone served over TCP inside this process, in a temporary folder. */
typedef struct _UbCliDemo UbCliDemo;

UbCliDemo  *ub_cli_demo_start       (GError    **error);
/* "tcp:127.0.0.1:PORT" */
const char *ub_cli_demo_get_address (UbCliDemo  *self);
/* Writes a demo image (raw, with data, zero and filled regions) and returns its path. */
char       *ub_cli_demo_make_image  (UbCliDemo  *self,
                                     guint64     size,
                                     GError    **error);
/* The demo's ROM catalog (started on first use): latest.yml, the history folder,
 * the one mirror, and a cache folder inside the demo's temporary folder. */
gboolean    ub_cli_demo_get_catalog (UbCliDemo   *self,
                                     const char **latest_url,
                                     const char **history_url,
                                     const char **mirror_url,
                                     char       **cache_dir,
                                     GError     **error);
/* The demo's locked phone in Mi Assistant recovery (set up on first use): its
 * adb address, the fake update server's base URL and the demo ROM mirror. */
gboolean    ub_cli_demo_get_recovery (UbCliDemo   *self,
                                      const char **address,
                                      const char **update_server_url,
                                      const char **mirror_url,
                                      GError     **error);
void        ub_cli_demo_stop        (UbCliDemo  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbCliDemo, ub_cli_demo_stop)

G_END_DECLS
