/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define UB_TYPE_APPLICATION (ub_application_get_type ())
G_DECLARE_FINAL_TYPE (UbApplication, ub_application, UB, APPLICATION, AdwApplication)

/* io.github.unbrick.Unbrick; `--demo` runs against an emulated phone in this process. */
UbApplication *ub_application_new (void);

G_END_DECLS
