/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ub-fastboot-error.h"

G_DEFINE_QUARK (ub-fastboot-error-quark, ub_fastboot_error)
