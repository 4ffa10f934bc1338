/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-device-monitor.h"
#include "ub-phone.h"

G_BEGIN_DECLS

#define UB_TYPE_DETECT_PAGE (ub_detect_page_get_type ())
G_DECLARE_FINAL_TYPE (UbDetectPage, ub_detect_page, UB, DETECT_PAGE, GtkBox)

/*
 * Step 1: the connected phones, live (from the monitor), each asked about
 * itself; devices that cannot be flashed say why and what to do.
 * ::continue when the person goes on with the selected phones.
 */
void        ub_detect_page_set_monitor   (UbDetectPage    *self,
                                          UbDeviceMonitor *monitor);
/* A phone not on USB (the demo phone, a phone over TCP). */
void        ub_detect_page_add_phone     (UbDetectPage    *self,
                                          UbPhone         *phone);
void        ub_detect_page_refresh       (UbDetectPage    *self);
/* Takes a phone added with add_phone() off the list (the demo's locked phone
 * once it went to recovery). */
void        ub_detect_page_remove_phone  (UbDetectPage    *self,
                                          const char      *address);
/* Every listed phone (UbPhone), live: the recovery page watches it. */
GListModel *ub_detect_page_get_phones    (UbDetectPage    *self);
/* While paused, phones that arrive are listed but not opened (a flash is running). */
void        ub_detect_page_set_paused    (UbDetectPage    *self,
                                          gboolean         paused);
/* Usable phones that are ticked (all of them unless unticked). A phone in
 * Mi Assistant mode or a locked fastboot phone is selected alone: when the
 * person ticks it, or when it is the only kind there. Transfer container. */
GPtrArray  *ub_detect_page_get_selected  (UbDetectPage    *self);
void        ub_detect_page_set_selected  (UbDetectPage    *self,
                                          UbPhone         *phone,
                                          gboolean         selected);

G_END_DECLS
