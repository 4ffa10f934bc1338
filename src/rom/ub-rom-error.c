/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ub-rom-error.h"

G_DEFINE_QUARK (ub-rom-error-quark, ub_rom_error)
