/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-advice.h"
#include "ub-cli-demo.h"
#include "ub-cli-progress.h"

G_BEGIN_DECLS

/* `unbrick-cli recovery info|roms|install [ZIP|--latest]|wipe-data|reboot [TARGET]`:
 * a phone in Xiaomi's recovery, "Connect with MIAssistant" mode. */
typedef struct {
  const char    *action;     /* info, roms, install, wipe-data, reboot */
  const char    *argument;   /* install: the ZIP; reboot: system|bootloader|recovery */
  const char    *address;    /* NULL, a serial, usb:PATH or tcp:HOST[:PORT] (adb, port 5555) */
  const char    *dir;        /* install --latest: where to download (NULL: Downloads) */
  gboolean       latest;
  gboolean       json;
  gboolean       yes;
  guint          timeout_s;
  UbCliDemo     *demo;
  UbCliProgress *progress;
  GCancellable  *stop;
  /* out: what the advice for the error is about (a failed sideload or not) */
  UbAdviceContext advice;
} UbCliRecoveryOptions;

/* Runs on the calling thread. */
gboolean ub_cli_recovery (UbCliRecoveryOptions *opt,
                          GError              **error);

G_END_DECLS
