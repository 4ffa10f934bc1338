/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * AOSP fastboot's --disable-verity / --disable-verification: bits OR-ed into
 * the flags field of an AVB vbmeta image before it is sent (the file itself
 * is never changed). Mirrors AOSP fastboot 29 (Debian's 1:29.0.6),
 * fastboot.cpp flash_buf() and rewrite_vbmeta_buffer():
 *  - only for the partitions vbmeta, vbmeta_a and vbmeta_b (the name after
 *    slot resolution); other partitions, vbmeta_ab and vbmeta_system
 *    included, are sent unchanged;
 *  - the image must start with the magic "AVB0"; the flags are the
 *    big-endian u32 at byte 120 of the 256-byte header (libavb's
 *    AvbVBMetaImageHeader);
 *  - a sparse image is not a vbmeta image (its first bytes are the sparse
 *    magic): AOSP dies with "Failed to find AVB_MAGIC at offset: 0".
 * Chosen differences, both refusals where AOSP goes on: a file shorter than
 * 256 bytes is refused (AOSP sends it unchanged without a word), and the
 * boot-image footer case (AOSP rewrites the vbmeta inside boot/boot_a/boot_b
 * when the phone has no vbmeta partition) is not supported: the script
 * readers refuse these options on boot partitions.
 */

#define UB_VBMETA_FLAG_DISABLE_VERITY       0x1u  /* AVB_VBMETA_IMAGE_FLAGS_HASHTREE_DISABLED */
#define UB_VBMETA_FLAG_DISABLE_VERIFICATION 0x2u  /* AVB_VBMETA_IMAGE_FLAGS_VERIFICATION_DISABLED */
#define UB_VBMETA_FLAGS_ALL                 0x3u

#define UB_VBMETA_MAGIC        "AVB0"
#define UB_VBMETA_HEADER_SIZE  256
#define UB_VBMETA_FLAGS_OFFSET 120
/* Real vbmeta images are KiBs and libavb reads at most 64 KiB of a vbmeta
 * partition; a larger file is refused, not read into memory. */
#define UB_VBMETA_MAX_SIZE     (1024 * 1024)

/*
 * ORs @flags (UB_VBMETA_FLAG_*) into the header's flags field of the vbmeta
 * image in @data. Fails with UB_FASTBOOT_ERROR_INVALID_IMAGE when @data is
 * shorter than the header or does not start with "AVB0"; @data is then left
 * alone.
 */
gboolean  ub_vbmeta_set_flags        (guint8      *data,
                                      gsize        size,
                                      guint        flags,
                                      GError     **error);
/* The flags field of a vbmeta image (@size >= the header size). */
guint32   ub_vbmeta_get_flags        (const guint8 *data,
                                      gsize         size);
/* TRUE for vbmeta, vbmeta_a, vbmeta_b: the partitions AOSP rewrites for. */
gboolean  ub_vbmeta_partition_takes_flags (const char *partition);
/* TRUE for boot, boot_a, boot_b (AOSP's footer case, not supported). */
gboolean  ub_vbmeta_partition_is_boot     (const char *partition);
/* The fastboot options for @flags: "--disable-verity --disable-verification", "" for 0. */
const char *ub_vbmeta_flags_to_options (guint flags);
/* "--disable-verity" → UB_VBMETA_FLAG_DISABLE_VERITY, "--disable-verification" → …, else 0. */
guint     ub_vbmeta_flag_from_option (const char *option);

G_END_DECLS
