/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ub-adb-error.h"

G_DEFINE_QUARK (ub-adb-error-quark, ub_adb_error)
