"""Rasa input channels. ``bot.channels.wechat.WeChatInput`` serves a WeChat Official Account."""
