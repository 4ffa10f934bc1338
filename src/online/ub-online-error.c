/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ub-online-error.h"

G_DEFINE_QUARK (ub-online-error-quark, ub_online_error)
