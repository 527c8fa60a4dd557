<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountBar</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="30" />
        <source>Backend:</source>
        <translation>后端：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="32" />
        <source>Local engine</source>
        <translation>本地引擎</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="33" />
        <source>NemoVideo cloud</source>
        <translation>NemoVideo 云端</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="34" />
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="37" />
        <source>Local engine works offline on this computer; the NemoVideo cloud adds AI generation and render farms.</source>
        <translation>本地引擎在这台电脑上离线工作；NemoVideo 云端提供 AI 生成和渲染农场。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="48" />
        <source>Backend status</source>
        <translation>后端状态</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="50" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="59" />
        <source>Credits</source>
        <translation>积分</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="85" />
        <source>Local, unlimited</source>
        <translation>本地，无限制</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="86" />
        <source>The local engine renders on this computer at no cost.</source>
        <translation>本地引擎在这台电脑上渲染，不花费积分。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="89" />
        <source>Credits: %1</source>
        <translation>积分：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="91" />
        <source>(%1 reserved)</source>
        <translation>（%1 已冻结）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="93" />
        <source>running low</source>
        <translation>余额不足</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_account.py" line="95" />
        <source>Register for more</source>
        <translation>注册获取更多</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="243" />
        <source>Starting the local engine…</source>
        <translation>正在启动本地引擎…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="248" />
        <source>Connecting to NemoVideo…</source>
        <translation>正在连接 NemoVideo…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="261" />
        <source>The local engine could not start</source>
        <translation>本地引擎无法启动</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="263" />
        <source>Could not connect to NemoVideo</source>
        <translation>无法连接 NemoVideo</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="269" />
        <source>Local engine ready</source>
        <translation>本地引擎已就绪</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="270" />
        <source>Connected to NemoVideo</source>
        <translation>已连接 NemoVideo</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="324" />
        <source>Started a new project.</source>
        <translation>已新建项目。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="466" />
        <source>There is nothing to export yet: add photos and ask for a video first.</source>
        <translation>还没有可导出的内容：请先添加照片并让助手制作视频。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="469" />
        <source>Exporting the video: see the export queue for progress.</source>
        <translation>正在导出视频：进度见导出队列。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="477" />
        <source>The timeline is empty.</source>
        <translation>时间线是空的。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="481" />
        <source>Uploading the photos in the tray.</source>
        <translation>正在上传照片栏中的照片。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="494" />
        <source>The backend is not ready yet.</source>
        <translation>后端尚未就绪。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="494" />
        <source>Wait for it to start, or retry.</source>
        <translation>请等待其启动，或重试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="508" />
        <source>Stopped. The message was not re-sent.</source>
        <translation>已停止。消息不会被重新发送。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="528" />
        <source>The timeline changed:</source>
        <translation>时间线已更改：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="530" />
        <source>The agent finished without changing the timeline.</source>
        <translation>助手已完成，时间线没有变化。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="639" />
        <source>Credits are not known yet.</source>
        <translation>暂时无法获取积分。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="641" />
        <source>Local engine: unlimited. Rendering on this computer costs nothing.</source>
        <translation>本地引擎：无限制。在这台电脑上渲染不花费积分。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="643" />
        <source>Credits: %1 available, %2 reserved.</source>
        <translation>积分：可用 %1，冻结 %2。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="648" />
        <source>You are running low.</source>
        <translation>积分快用完了。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="650" />
        <source>Register for more: %1</source>
        <translation>注册获取更多：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="688" />
        <source>The backend did not say where the file went.</source>
        <translation>后端没有返回文件的位置。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/controller.py" line="695" />
        <source>%n file(s) uploaded.</source>
        <translation><numerusform>已上传 %n 个文件。</numerusform></translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="706" />
        <source>There is nothing to save yet: the timeline is empty.</source>
        <translation>还没有可保存的内容：时间线是空的。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="707" />
        <source>Add photos and make a video first.</source>
        <translation>请先添加照片并制作视频。</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="89" />
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="96" />
        <source>Conversation</source>
        <translation>对话记录</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="106" />
        <source>Describe the video you want… (Enter sends, Shift+Enter for a new line)</source>
        <translation>描述你想要的视频…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="108" />
        <source>Message to the agent</source>
        <translation>发给助手的消息</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="111" />
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="197" />
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="112" />
        <source>Send or stop</source>
        <translation>发送或停止</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="141" />
        <source>turn my photos into a slideshow video with transitions and music</source>
        <translation>把我的照片做成幻灯片视频，加上转场和音乐</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="142" />
        <source>animate this image with a cinematic zoom and motion blur effect</source>
        <translation>给这张图片加上电影感的缩放和动态模糊效果</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="143" />
        <source>convert five vacation photos in JPG format into a 1080p MP4</source>
        <translation>把五张 JPG 格式的度假照片做成 1080p 的 MP4</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="148" />
        <source>make it vertical for TikTok</source>
        <translation>改成竖屏，适合抖音</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="149" />
        <source>add a title "My Trip"</source>
        <translation>加标题「我的旅行」</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="150" />
        <source>export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="158" />
        <source>Try saying:</source>
        <translation>试试这样说：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="165" />
        <source>Send this message</source>
        <translation>发送这条消息</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="183" />
        <source>The backend is not ready yet; please wait a moment.</source>
        <translation>后端尚未就绪，请稍候。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="197" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="198" />
        <source>Stop this turn (it will not be re-sent)</source>
        <translation>停止本轮（不会重新发送）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="270" />
        <source>Export the video</source>
        <translation>导出视频</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="272" />
        <source>Show the timeline</source>
        <translation>显示时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="274" />
        <source>Refresh the timeline</source>
        <translation>刷新时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="276" />
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="277" />
        <source>Do it: %1</source>
        <translation>执行：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="296" />
        <source>Drop photos in the tray, then tell the agent what video you want. Try one of the examples below.</source>
        <translation>把照片拖进照片栏，然后告诉助手你想要什么样的视频。可以试试下面的示例。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_chat.py" line="311" />
        <source>Agent</source>
        <translation>助手</translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="57" />
        <source>NemoDesk ran into a problem</source>
        <translation>NemoDesk 遇到了问题</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="58" />
        <source>Error report</source>
        <translation>错误报告</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="62" />
        <source>Something went wrong that NemoDesk did not expect. Your photos are safe.</source>
        <translation>发生了 NemoDesk 未预料到的错误。你的照片是安全的。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="72" />
        <source>Error details</source>
        <translation>错误详情</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="75" />
        <source>The log file is at: %1</source>
        <translation>日志文件位于：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/error_dialog.py" line="80" />
        <source>Copy details</source>
        <translation>复制详情</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="899" />
        <source>Your NemoVideo sign-in has expired or is not valid.</source>
        <translation>你的 NemoVideo 登录已过期或无效。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="900" />
        <source>Open Settings to paste a new token, or sign out to get a new free one.</source>
        <translation>请打开设置粘贴新的令牌，或退出登录以获取新的免费令牌。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="901" />
        <source>The NemoVideo token you set was refused (bad or expired).</source>
        <translation>你设置的 NemoVideo 令牌被拒绝（无效或已过期）。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="902" />
        <source>Paste a new one in Settings, or unset NEMO_TOKEN.</source>
        <translation>请在设置中粘贴新的令牌，或取消设置 NEMO_TOKEN。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="903" />
        <source>The editing session was not found on the service.</source>
        <translation>服务上找不到这个编辑会话。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="904" />
        <source>A new session has been started.</source>
        <translation>已开始新的会话。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="905" />
        <source>You have run out of NemoVideo credits.</source>
        <translation>你的 NemoVideo 积分已用完。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="906" />
        <source>This file type is not supported.</source>
        <translation>不支持这种文件类型。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="907" />
        <source>The file is too large (the limit is 200 MB per file).</source>
        <translation>文件太大（每个文件最大 200 MB）。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="908" />
        <source>Compress it or trim it, then try again.</source>
        <translation>请压缩或裁剪后再试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="909" />
        <source>The service did not accept this installation's client id.</source>
        <translation>服务不接受本机的客户端 ID。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="910" />
        <source>Export is not available on the free plan.</source>
        <translation>免费套餐不能导出。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="911" />
        <source>Register or upgrade your plan to unlock export.</source>
        <translation>请注册或升级套餐以解锁导出。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="912" />
        <source>The service is busy or you made too many requests.</source>
        <translation>服务繁忙，或请求过于频繁。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="912" />
        <source>Wait a minute and try again.</source>
        <translation>请等一分钟再试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="913" />
        <source>The NemoVideo service had a problem.</source>
        <translation>NemoVideo 服务出现了问题。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="913" />
        <source>Try again in a few minutes.</source>
        <translation>请过几分钟再试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="914" />
        <source>The NemoVideo service did not answer in time.</source>
        <translation>NemoVideo 服务没有及时响应。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="914" />
        <source>Check your connection and try again.</source>
        <translation>请检查网络连接后重试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="915" />
        <source>Could not reach the NemoVideo service.</source>
        <translation>无法连接 NemoVideo 服务。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="916" />
        <source>Check your internet connection (or that the local engine is running) and try again.</source>
        <translation>请检查网络连接（或本地引擎是否在运行）后重试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="918" />
        <source>The service sent an answer NemoDesk does not understand.</source>
        <translation>服务返回了 NemoDesk 无法理解的响应。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="919" />
        <source>Try again; if it persists, check for a NemoDesk update.</source>
        <translation>请重试；如果问题仍然存在，请检查 NemoDesk 更新。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="920" />
        <source>The connection broke before the agent finished.</source>
        <translation>助手完成之前连接中断了。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="921" />
        <source>There is nothing to export yet: the timeline is empty.</source>
        <translation>还没有可导出的内容：时间线是空的。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="922" />
        <source>Add photos or ask the agent to make a video first.</source>
        <translation>请先添加照片，或让助手制作视频。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="923" />
        <source>The render failed.</source>
        <translation>渲染失败。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="923" />
        <source>Try exporting again.</source>
        <translation>请重新导出。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="924" />
        <source>The finished video could not be downloaded.</source>
        <translation>无法下载完成的视频。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="925" />
        <source>Export cancelled.</source>
        <translation>导出已取消。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="926" />
        <source>Not signed in to NemoVideo.</source>
        <translation>未登录 NemoVideo。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="926" />
        <source>Open Settings to paste a token, or use the cloud to get a free one.</source>
        <translation>请打开设置粘贴令牌，或使用云端获取免费令牌。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="948" />
        <source>Register to get more credits: %1</source>
        <translation>注册以获取更多积分：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="958" />
        <source>editing the timeline</source>
        <translation>编辑时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="959" />
        <location filename="../../src/nemodesk/ui/controller.py" line="962" />
        <source>generating a video (this can take a few minutes)</source>
        <translation>生成视频（可能需要几分钟）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="965" />
        <source>generating music (this can take a few minutes)</source>
        <translation>生成音乐（可能需要几分钟）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="970" />
        <source>Working on: %1</source>
        <translation>正在处理：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="976" />
        <source>Still working...</source>
        <translation>仍在处理中…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/controller.py" line="978" />
        <source>Stopped. Your message had already been sent and will not be sent again.</source>
        <translation>已停止。你的消息已经发送过，不会再次发送。</translation>
    </message>
</context>
<context>
    <name>ExportQueueWidget</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="118" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="154" />
        <source>Exports</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="124" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="124" />
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="124" />
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="124" />
        <source>ETA</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="124" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="137" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="138" />
        <source>Export the timeline to an MP4 video</source>
        <translation>把时间线导出为 MP4 视频</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="140" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="142" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="144" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="146" />
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="148" />
        <source>Remove from list</source>
        <translation>从列表中移除</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="182" />
        <source>NemoDesk closed during this export.</source>
        <translation>导出过程中 NemoDesk 被关闭了。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="204" />
        <source>to {0}</source>
        <translation>到 {0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="205" />
        <source>Exports are saved in {0}</source>
        <translation>导出的视频保存在 {0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="216" />
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="220" />
        <source>Submitted</source>
        <translation>已提交</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="221" />
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="222" />
        <source>Resuming</source>
        <translation>恢复中</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="223" />
        <source>Rendering</source>
        <translation>渲染中</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="225" />
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="227" />
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="228" />
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="238" />
        <source>Cloud</source>
        <translation>云端</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="238" />
        <source>Local</source>
        <translation>本地</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="306" />
        <source>The output folder {0} cannot be created: {1}</source>
        <translation>无法创建输出文件夹 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="331" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="353" />
        <source>The backend is not ready yet: try again in a moment.</source>
        <translation>后端尚未就绪：请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="456" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="521" />
        <source>Export finished</source>
        <translation>导出完成</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="456" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="521" />
        <source>{0} is ready.</source>
        <translation>{0} 已就绪。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="463" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="528" />
        <source>Unexpected error: {0}</source>
        <translation>意外错误：{0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="470" />
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="535" />
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_export_queue.py" line="500" />
        <source>Some files of this timeline are not on this computer: {0}</source>
        <translation>这条时间线的部分文件不在这台电脑上：{0}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="142" />
        <location filename="../../src/nemodesk/ui/main_window.py" line="221" />
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="143" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="144" />
        <source>Exports</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="146" />
        <source>%1 is not available in this build.</source>
        <translation>此版本中没有%1。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="161" />
        <source>%1 columns</source>
        <translation>%1 的列</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="161" />
        <source>Column headers</source>
        <translation>列标题</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="171" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="174" />
        <source>&amp;New project</source>
        <translation>新建项目(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="178" />
        <source>&amp;Open project…</source>
        <translation>打开项目(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="182" />
        <source>Open &amp;recent</source>
        <translation>最近的项目(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="185" />
        <source>&amp;Save project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="189" />
        <source>Save project &amp;as…</source>
        <translation>项目另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="194" />
        <source>&amp;Export video</source>
        <translation>导出视频(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="199" />
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="204" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="209" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="215" />
        <source>Remove selected photos</source>
        <translation>移除所选照片</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="218" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="220" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="222" />
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="229" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="230" />
        <source>Open the log folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="233" />
        <location filename="../../src/nemodesk/ui/main_window.py" line="240" />
        <source>About NemoDesk</source>
        <translation>关于 NemoDesk</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="241" />
        <source>NemoDesk %1
Turn photos into short videos by chat.
GPL-3.0-or-later.</source>
        <translation>NemoDesk %1
通过对话把照片变成短视频。
GPL-3.0-or-later。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="299" />
        <source>Your video is ready: %1 (in %2).</source>
        <translation>视频已完成：%1（在 %2）。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="323" />
        <source>The backend is not ready yet; the photos will upload when you send a message.</source>
        <translation>后端尚未就绪；发送消息时会上传照片。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="372" />
        <location filename="../../src/nemodesk/ui/main_window.py" line="466" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="397" />
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="398" />
        <source>Save changes to %1?</source>
        <translation>要保存对 %1 的更改吗？</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="403" />
        <source>Your changes will be lost if you don't save them.</source>
        <translation>如果不保存，您的更改将会丢失。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="404" />
        <source>Don't Save</source>
        <translation>不保存</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="442" />
        <source>NemoDesk projects (*.nemodesk)</source>
        <translation>NemoDesk 项目 (*.nemodesk)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="454" />
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="463" />
        <source>There is nothing to save yet: the timeline is empty.</source>
        <translation>还没有可保存的内容：时间线是空的。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="465" />
        <source>Save project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="497" />
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="507" />
        <source>%1 opens as soon as the backend is ready.</source>
        <translation>后端就绪后将打开 %1。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="517" />
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="539" />
        <source>the recovered project</source>
        <translation>恢复的项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="540" />
        <source>Opened %1.</source>
        <translation>已打开%1。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="543" />
        <source>These files are missing and were left out: %1.</source>
        <translation>以下文件缺失，已略去：%1。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="550" />
        <source>NemoVideo cannot take a whole timeline, so this project's timeline is open on this computer only: you can view it, preview it and export it here. A chat message edits the cloud session's own timeline instead.</source>
        <translation>NemoVideo 无法接收整条时间线，因此这个项目的时间线只在这台电脑上打开：可以在这里查看、预览和导出。聊天消息会改为编辑云端会话自己的时间线。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="576" />
        <source>No recent projects</source>
        <translation>没有最近的项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="580" />
        <source>Clear the list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="592" />
        <source>NemoDesk did not close properly last time. Recover the unsaved project?</source>
        <translation>NemoDesk 上次没有正常关闭。要恢复未保存的项目吗？</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="596" />
        <source>Recover</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="597" />
        <source>Recover the unsaved project</source>
        <translation>恢复未保存的项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="599" />
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="635" />
        <source>Recovering the unsaved project…</source>
        <translation>正在恢复未保存的项目…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/main_window.py" line="692" />
        <source>The new language applies after NemoDesk restarts.</source>
        <translation>新的语言在 NemoDesk 重启后生效。</translation>
    </message>
</context>
<context>
    <name>PhotoTray</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="409" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="418" />
        <source>Drop photos or folders here, or press Ctrl+O to add them.</source>
        <translation>把照片或文件夹拖到这里，或按 Ctrl+O 添加。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="419" />
        <source>Photo tray</source>
        <translation>照片栏</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="425" />
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="437" />
        <source>Add photos…</source>
        <translation>添加照片…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="426" />
        <source>Add photos or music (Ctrl+O)</source>
        <translation>添加照片或音乐（Ctrl+O）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="428" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="429" />
        <source>Remove the selected files from the tray (Delete)</source>
        <translation>从照片栏移除所选文件（Delete）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="431" />
        <source>Upload</source>
        <translation>上传</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="432" />
        <source>Send the photos to the current backend</source>
        <translation>把照片发送到当前后端</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="446" />
        <source>Add photos or music</source>
        <translation>添加照片或音乐</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="451" />
        <source>Photos and music (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif *.mp3 *.wav *.m4a *.aac *.flac *.ogg)</source>
        <translation>照片和音乐 (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff *.heic *.heif *.mp3 *.wav *.m4a *.aac *.flac *.ogg)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="454" />
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="474" />
        <source>Could not read the folder: %1</source>
        <translation>无法读取文件夹：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="509" />
        <source>%n file(s) already in the tray.</source>
        <translation><numerusform>%n 个文件已在照片栏中。</numerusform></translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="523" />
        <source>Unsupported</source>
        <translation>不支持</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="524" />
        <source>Corrupt</source>
        <translation>已损坏</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="525" />
        <source>Too large</source>
        <translation>太大</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="526" />
        <source>Missing</source>
        <translation>找不到</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="534" />
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="604" />
        <source>Duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="536" />
        <source>%1 is the same file as %2</source>
        <translation>%1 与 %2 是同一个文件</translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="613" />
        <source>%n file(s)</source>
        <translation><numerusform>%n 个文件</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="617" />
        <source>%n with problems</source>
        <translation><numerusform>%n 个有问题</numerusform></translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="648" />
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="654" />
        <location filename="../../src/nemodesk/ui/qt_photo_tray.py" line="656" />
        <source>Upload failed</source>
        <translation>上传失败</translation>
    </message>
</context>
<context>
    <name>PreviewWidget</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="237" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="240" />
        <source>Play (Space)</source>
        <translation>播放（空格）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="241" />
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="624" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="245" />
        <source>Preview position</source>
        <translation>预览位置</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="290" />
        <source>The preview appears here once the timeline has photos.</source>
        <translation>时间线有照片后，这里会显示预览。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="373" />
        <source>This frame cannot be shown: {0}</source>
        <translation>无法显示这一帧：{0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="435" />
        <source>Preparing the preview…</source>
        <translation>正在准备预览…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="457" />
        <source>No sound device: playing without sound</source>
        <translation>没有声音设备：无声播放</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="465" />
        <source>The preview could not be made: {0}</source>
        <translation>无法生成预览：{0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="561" />
        <source>Playback stopped: {0}</source>
        <translation>播放已停止：{0}</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="624" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_preview.py" line="626" />
        <source>Preparing</source>
        <translation>准备中</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="44" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="47" />
        <source>API URL</source>
        <translation>API 地址</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="48" />
        <source>NemoVideo API URL:</source>
        <translation>NemoVideo API 地址：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="51" />
        <source>Paste a NemoVideo token (optional)</source>
        <translation>粘贴 NemoVideo 令牌（可选）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="52" />
        <source>Token</source>
        <translation>令牌</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="55" />
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="56" />
        <source>Forget the stored cloud token</source>
        <translation>删除已保存的云端令牌</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="59" />
        <source>Token:</source>
        <translation>令牌：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="66" />
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="138" />
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="68" />
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="71" />
        <source>Output folder:</source>
        <translation>输出文件夹：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="75" />
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="77" />
        <source>Default photo duration</source>
        <translation>默认照片时长</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="78" />
        <source>Applied to new slideshows made by the local engine.</source>
        <translation>用于本地引擎新制作的幻灯片。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="80" />
        <source>Each photo lasts:</source>
        <translation>每张照片时长：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="85" />
        <source>Default transition</source>
        <translation>默认转场</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="87" />
        <source>Default transition:</source>
        <translation>默认转场：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="90" />
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="92" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="93" />
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="94" />
        <source>A new language applies after NemoDesk restarts.</source>
        <translation>新的语言在 NemoDesk 重启后生效。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="118" />
        <source>The keyring could not be read: %1</source>
        <translation>无法读取系统钥匙串：%1</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="122" />
        <source>Using the token from the NEMO_TOKEN environment variable.</source>
        <translation>正在使用环境变量 NEMO_TOKEN 中的令牌。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="124" />
        <source>an anonymous token</source>
        <translation>匿名令牌</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="124" />
        <source>your token</source>
        <translation>你的令牌</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="125" />
        <source>Signed in with %1 (kept in the system keyring).</source>
        <translation>已使用%1登录（保存在系统钥匙串中）。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/settings_dialog.py" line="127" />
        <source>Not signed in: a free anonymous token is fetched when you use the cloud.</source>
        <translation>未登录：使用云端时会自动获取免费的匿名令牌。</translation>
    </message>
</context>
<context>
    <name>TimelineCanvas</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="177" />
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="454" />
        <source>No timeline yet — add photos and say "make a slideshow".</source>
        <translation>还没有时间线——添加照片，然后说“做成幻灯片”。</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="528" />
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="529" />
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="530" />
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="535" />
        <source>Track</source>
        <translation>轨道</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="614" />
        <source>pan·zoom</source>
        <translation>运镜</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="614" />
        <source>zoom +</source>
        <translation>放大</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="614" />
        <source>zoom −</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="646" />
        <source>Music</source>
        <translation>音乐</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="891" />
        <source>Transition: {0}, {1} s</source>
        <translation>转场：{0}，{1} 秒</translation>
    </message>
</context>
<context>
    <name>TimelineView</name>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="990" />
        <source>Segment details</source>
        <translation>片段详情</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="991" />
        <source>Property</source>
        <translation>属性</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="991" />
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="999" />
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1009" />
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1011" />
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1013" />
        <source>Copy summary</source>
        <translation>复制摘要</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1015" />
        <source>Copy the timeline summary (Ctrl+Shift+C)</source>
        <translation>复制时间线摘要（Ctrl+Shift+C）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1018" />
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>放大（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1022" />
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>缩小（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1025" />
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1026" />
        <source>Show the whole timeline</source>
        <translation>显示整条时间线</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1103" />
        <source>{0} · {1}×{2} · {3} fps</source>
        <translation>{0} · {1}×{2} · {3} 帧/秒</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1171" />
        <source>Segment</source>
        <translation>片段</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1173" />
        <source>Track</source>
        <translation>轨道</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1174" />
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1175" />
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1191" />
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1193" />
        <source>Canvas</source>
        <translation>画布</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1194" />
        <source>Frame rate</source>
        <translation>帧率</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1195" />
        <source>Length</source>
        <translation>长度</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1196" />
        <source>Tracks</source>
        <translation>轨道</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1207" />
        <source>Other keys</source>
        <translation>其他键</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1207" />
        <source>{0} kept as is</source>
        <translation>{0} 保持原样</translation>
    </message>
    <message>
        <location filename="../../src/nemodesk/ui/qt_timeline.py" line="1209" />
        <source>Keys NemoDesk does not use: kept and sent back unchanged</source>
        <translation>NemoDesk 不使用的键：原样保留并发回</translation>
    </message>
</context>
</TS>