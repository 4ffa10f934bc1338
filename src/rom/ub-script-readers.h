/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The .sh and .bat readers that UbScript (the facade) calls; not public.
 * @text is normalized (no BOM, LF line ends, .sh without trailing blanks). Each returns the steps (of
 * UbFlashStep) and *notes, or NULL with @error set. */

#include <glib.h>

G_BEGIN_DECLS

GPtrArray   *ub_script_parse_sh      (const char      *name,
                                      const char      *text,
                                      GPtrArray      **notes,
                                      GError         **error);
GPtrArray   *ub_script_parse_bat     (const char      *name,
                                      const char      *text,
                                      GPtrArray      **notes,
                                      GError         **error);

G_END_DECLS
