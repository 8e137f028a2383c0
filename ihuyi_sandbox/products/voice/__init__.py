"""Voice verification codes (语音验证码): ``/webservice/voice.php``, methods Submit and GetNum."""
