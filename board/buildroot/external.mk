include $(sort $(wildcard $(BR2_EXTERNAL_CABIN_PATH)/package/*/*.mk))
