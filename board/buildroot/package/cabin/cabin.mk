################################################################################
# cabin — built from this source tree (BR2_EXTERNAL), static, against buildroot's
# libcap. Usage: make BR2_EXTERNAL=/path/to/cabin/board/buildroot menuconfig
################################################################################
CABIN_VERSION = local
CABIN_SITE = $(BR2_EXTERNAL_CABIN_PATH)/../..
CABIN_SITE_METHOD = local
CABIN_LICENSE = MIT
CABIN_DEPENDENCIES = libcap

# buildroot provides the cross compiler, libcap and kernel headers: skip the host's
# musl-gcc / libcap-from-Debian steps of the developer Makefile.
define CABIN_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) CC="$(TARGET_CC)" \
		LIBCAP="$(STAGING_DIR)/usr/lib/libcap.a" KH=$(STAGING_DIR)/usr/include \
		DEPSTAMP=/dev/null build/cabin
endef

define CABIN_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/build/cabin $(TARGET_DIR)/sbin/cabin
	$(INSTALL) -D -m 0644 $(@D)/rootfs/etc/cabin.conf $(TARGET_DIR)/etc/cabin.conf
	mkdir -p $(TARGET_DIR)/etc/cabin.d $(TARGET_DIR)/var/lib/cabin
	$(if $(BR2_PACKAGE_CABIN_AS_INIT),ln -sf cabin $(TARGET_DIR)/sbin/init)
endef

$(eval $(generic-package))
