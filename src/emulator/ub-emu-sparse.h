/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The Android sparse image format (AOSP libsparse's sparse_format.h), as the
 * emulated phone reads it and the demo ROM writes it. The emulator has its
 * own copy on purpose: it shares no code with the client (src/fastboot). */

#define UB_EMU_SPARSE_MAGIC             0xED26FF3Au
#define UB_EMU_SPARSE_HEADER_SIZE       28
#define UB_EMU_SPARSE_CHUNK_HEADER_SIZE 12
#define UB_EMU_SPARSE_CHUNK_RAW         0xCAC1
#define UB_EMU_SPARSE_CHUNK_FILL        0xCAC2
#define UB_EMU_SPARSE_CHUNK_DONT_CARE   0xCAC3
#define UB_EMU_SPARSE_CHUNK_CRC32       0xCAC4
