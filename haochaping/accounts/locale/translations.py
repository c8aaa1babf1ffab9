# Translation table for the accounts app (scripts/fill_po.py). Staff-only texts: Tibetan where
# given, Chinese otherwise (Lhasa's staff read Chinese).
ZH = {
    "Verification code": "验证码",
    "Enter the six digits shown by your authenticator app.": "请输入身份验证器应用显示的六位数字。",
    "Your session has ended. Please log in again.": "您的会话已结束，请重新登录。",
    "Your session ended after a period of inactivity. Please log in again.": "长时间未操作，会话已结束，请重新登录。",
    "This account needs a verification code to log in.": "此账号登录需要输入验证码。",
    "The code is not valid.": "验证码无效。",
    "Set up two-step login": "设置两步登录",
    "%(name)s, your role logs in with a password and a code from an authenticator app. Scan the QR code with the app, or type the secret into it, then enter the code it shows.": "%(name)s，您的角色需要用密码加身份验证器应用生成的验证码登录。请用应用扫描二维码，或在应用中输入密钥，然后填写应用显示的验证码。",
    "Secret": "密钥",
    "Confirm": "确认",
    "Login locked": "登录已锁定",
    "Too many failed logins for this account. Try again later, or ask an administrator to unlock it.": "此账号登录失败次数过多。请稍后再试，或请管理员解锁。",
    "Log in": "登录",
    "Username": "用户名",
    "Password": "密码",
    "%(name)s, enter the current code from your authenticator app.": "%(name)s，请输入身份验证器应用当前显示的验证码。",
    "Verify": "验证",
    "Please log in again.": "请重新登录。",
    "Too many wrong codes. Wait a minute, then enter the current code.": "验证码错误次数过多。请稍等一分钟，再输入当前验证码。",
    "Accounts": "账号",
}
BO = {
    "Verification code": "ར་སྤྲོད་ཨང་རྟགས།",
    "Log in": "ནང་འཛུལ།",
    "Username": "སྤྱོད་མཁན་གྱི་མིང་།",
    "Password": "གསང་ཨང་།",
    "Verify": "ར་སྤྲོད།",
    "Confirm": "གཏན་འཁེལ།",
    "Please log in again.": "ཡང་བསྐྱར་ནང་འཛུལ་གནང་རོགས།",
}
