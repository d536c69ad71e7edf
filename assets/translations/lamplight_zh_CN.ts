<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AnsweringView</name>
    <message>
        <source>Every answer is saved at once. You can stop at any time and go on later.</source>
        <translation>每个答案都会马上保存。你可以随时停下，以后接着做。</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>This survey is anonymous: your name will not appear in the county&apos;s reports.</source>
        <translation>这份问卷不记名：你的名字不会出现在县里的报告里。</translation>
    </message>
    <message>
        <source>To pass you need %1 of the %2 points.</source>
        <translation>满分 %2 分，%1 分及格。</translation>
    </message>
    <message>
        <source>You may take this quiz %1 time(s); this is attempt %2.</source>
        <translation>这个测验最多可以做 %1 次，这是第 %2 次。</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>第 %1 页 / 共 %2 页</translation>
    </message>
    <message>
        <source>Press &quot;Check my answer&quot; first.</source>
        <translation>请先点“确认答案”。</translation>
    </message>
    <message>
        <source>Please look at the questions marked in red.</source>
        <translation>请看一下标成红色的题目。</translation>
    </message>
</context>
<context>
    <name>CatalogPage</name>
    <message>
        <source>Courses</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>Search courses: type a word from the title</source>
        <translation>搜索课程：输入课程名称中的词</translation>
    </message>
    <message>
        <source>%n course(s)</source>
        <translation>共 %n 门课程</translation>
    </message>
    <message>
        <source>No course matches “%1”. Try a shorter word.</source>
        <translation>没有找到与“%1”相关的课程。请试试更短的词。</translation>
    </message>
    <message>
        <source>No courses yet. They appear when this computer reaches the county server.</source>
        <translation>还没有课程。电脑连上县里的服务器后，课程会出现在这里。</translation>
    </message>
</context>
<context>
    <name>Choices</name>
    <message>
        <source>Clear my answer</source>
        <translation>清除我的答案</translation>
    </message>
</context>
<context>
    <name>ClaimDialog</name>
    <message>
        <source>Bring your profile to this computer</source>
        <translation>把您的账户带到这台电脑</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Find your profile</source>
        <translation>找到您的账户</translation>
    </message>
    <message>
        <source>Type your name as you wrote it on the other computer, then press Search. Part of the name is enough.</source>
        <translation>请输入您在另一台电脑上填写的姓名，然后点击“查找”。只输入姓名的一部分也可以。</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>您的姓名</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Please type your name first.</source>
        <translation>请先输入您的姓名。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在查找……</translation>
    </message>
    <message>
        <source>Nobody with this name was found. Check how you wrote it, or ask your training coordinator.</source>
        <translation>没有找到这个姓名。请检查是否写对了，或者问一下培训负责人。</translation>
    </message>
    <message>
        <source>Many teachers have this name. Type more of your name to see fewer.</source>
        <translation>找到的老师太多了。请多输入几个字，缩小范围。</translation>
    </message>
    <message>
        <source>Click your name:</source>
        <translation>请点击您的名字：</translation>
    </message>
    <message>
        <source>(no school given)</source>
        <translation>（未填写学校）</translation>
    </message>
    <message>
        <source>already on this computer</source>
        <translation>已在这台电脑上</translation>
    </message>
    <message>
        <source>Type the PIN you use on the other computer.</source>
        <translation>请输入您在另一台电脑上使用的密码。</translation>
    </message>
    <message>
        <source>Open my profile</source>
        <translation>打开我的账户</translation>
    </message>
    <message>
        <source>Checking your PIN with the county server…</source>
        <translation>正在向县服务器核对密码……</translation>
    </message>
    <message>
        <source>This is not me — back to the list</source>
        <translation>这不是我，返回名单</translation>
    </message>
    <message>
        <source>Hello, %1! Please enter your PIN.</source>
        <translation>%1，您好！请输入您的密码。</translation>
    </message>
    <message>
        <source>Your PIN has at least %1 digits. Please type it again.</source>
        <translation>密码至少有 %1 位。请重新输入。</translation>
    </message>
    <message>
        <source>This teacher is no longer on the county server. Please search again.</source>
        <translation>县服务器上已经没有这位老师了。请重新查找。</translation>
    </message>
    <message>
        <source>Cannot reach the county server. Bringing your profile here needs the network: please try again when this computer is online.</source>
        <translation>无法连接县服务器。把账户带到这台电脑需要联网，请在电脑联网后再试。</translation>
    </message>
</context>
<context>
    <name>CopyingPage</name>
    <message>
        <source>Copying courses to this computer…</source>
        <translation>正在把课程复制到这台电脑…</translation>
    </message>
    <message>
        <source>Please leave the USB stick in until copying is finished.</source>
        <translation>复制完成以前，请不要拔出U盘。</translation>
    </message>
    <message>
        <source>Stop copying</source>
        <translation>停止复制</translation>
    </message>
    <message>
        <source>Copying courses to the USB stick…</source>
        <translation>正在把课程复制到U盘…</translation>
    </message>
    <message>
        <source>%1 of %2 copied</source>
        <translation>已复制 %1，共 %2</translation>
    </message>
    <message>
        <source>Now copying: %1</source>
        <translation>正在复制：%1</translation>
    </message>
    <message>
        <source>Copied: %1</source>
        <translation>已复制：%1</translation>
    </message>
    <message>
        <source>Copying now: %1</source>
        <translation>正在复制：%1</translation>
    </message>
    <message>
        <source>Waiting: %1</source>
        <translation>等待复制：%1</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
</context>
<context>
    <name>CourseButton</name>
    <message>
        <source>Resume this course</source>
        <translation>继续这门课</translation>
    </message>
    <message>
        <source>Pause this course</source>
        <translation>暂停这门课</translation>
    </message>
</context>
<context>
    <name>CourseDelegate</name>
    <message>
        <source>Ready to use</source>
        <translation>可以学习</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>%n item(s)</source>
        <translation>%n 项内容</translation>
    </message>
</context>
<context>
    <name>CoursePage</name>
    <message>
        <source>All courses</source>
        <translation>全部课程</translation>
    </message>
    <message>
        <source>See all downloads</source>
        <translation>查看全部下载</translation>
    </message>
    <message>
        <source>This course is no longer in the catalog.</source>
        <translation>这门课程已经不在课程列表中了。</translation>
    </message>
    <message>
        <source>Downloaded: you can use this course without the network.</source>
        <translation>已下载：没有网络也可以学习这门课程。</translation>
    </message>
    <message>
        <source>Download this course (%1)</source>
        <translation>下载这门课程（%1）</translation>
    </message>
    <message>
        <source>Resume download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Pause download</source>
        <translation>暂停下载</translation>
    </message>
    <message>
        <source>Paused. Press &quot;Resume download&quot; to continue.</source>
        <translation>已暂停。点击“继续下载”可以接着下载。</translation>
    </message>
    <message>
        <source>This video is being downloaded first. It will open by itself when it is ready.</source>
        <translation>正在优先下载这段视频，下载好后会自动打开。</translation>
    </message>
    <message>
        <source>This item is being downloaded first. It will open by itself when it is ready.</source>
        <translation>正在优先下载这项内容，下载好后会自动打开。</translation>
    </message>
    <message>
        <source>Downloading: %1</source>
        <translation>正在下载：%1</translation>
    </message>
    <message>
        <source>Waiting: other downloads go first (%1).</source>
        <translation>等待中：正在先下载别的课程（%1）。</translation>
    </message>
    <message>
        <source>Waiting to download: %1 of %2 here.</source>
        <translation>等待下载：已下载 %1，共 %2。</translation>
    </message>
    <message>
        <source>No county server is set up on this computer, so nothing can be downloaded.</source>
        <translation>这台电脑还没有设置县里的服务器，所以无法下载。</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Lamplight has a problem</source>
        <translation>灯火研修出现问题</translation>
    </message>
    <message>
        <source>Something went wrong inside Lamplight. Your work is saved. Please show this to your training coordinator; the button below copies the details.</source>
        <translation>灯火研修内部出了问题。您的学习记录已保存。请把这个提示给培训负责人看；下面的按钮可以复制详细信息。</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
</context>
<context>
    <name>DateAnswer</name>
    <message>
        <source>Clear my answer</source>
        <translation>清除我的答案</translation>
    </message>
    <message>
        <source>Choose a date</source>
        <translation>点这里选择日期</translation>
    </message>
</context>
<context>
    <name>DocumentPage</name>
    <message>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>This document is no longer on this computer. Please download the course again.</source>
        <translation>这份文档已经不在这台电脑上了。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>This document cannot be opened. Please download the course again.</source>
        <translation>这份文档打不开。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>第 %1 页 / 共 %2 页</translation>
    </message>
</context>
<context>
    <name>DownloadDelegate</name>
    <message>
        <source>%n file(s) left</source>
        <translation>还剩 %n 个文件</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Downloading now</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Could not download yet · tries again at %1</source>
        <translation>暂时没下载成功 · %1 自动再试</translation>
    </message>
    <message>
        <source>Goes first</source>
        <translation>优先下载</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>等待下载</translation>
    </message>
</context>
<context>
    <name>DownloadSettingsDialog</name>
    <message>
        <source>No limit</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Download settings</source>
        <translation>下载设置</translation>
    </message>
    <message>
        <source>These rules are for this computer. Downloads that are running follow them within a few seconds.</source>
        <translation>这些设置只对这台电脑有效。正在进行的下载几秒钟内就会按新设置执行。</translation>
    </message>
    <message>
        <source>Only download at these hours</source>
        <translation>只在下面的时间下载</translation>
    </message>
    <message>
        <source>from</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>For example from 18:00 to 07:00: after school until the next morning, so the school&apos;s network stays free for teaching.</source>
        <translation>例如从 18:00 到 07:00：放学后到第二天早上。这样上课时学校的网络不受影响。</translation>
    </message>
    <message>
        <source>Speed limit</source>
        <translation>限制速度</translation>
    </message>
    <message>
        <source>Other speed…</source>
        <translation>其他速度……</translation>
    </message>
    <message>
        <source>A limit leaves part of the school&apos;s network free for others.</source>
        <translation>限速可以给学校里的其他人留出一部分网络。</translation>
    </message>
    <message>
        <source>Disk space to keep free</source>
        <translation>保留的磁盘空间</translation>
    </message>
    <message>
        <source>Downloads stop before the disk has less than this free.</source>
        <translation>磁盘剩余空间快要少于这个数时，下载会停下来。</translation>
    </message>
    <message>
        <source>Use the county&apos;s settings</source>
        <translation>使用县里的设置</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>from %1 to %2</source>
        <translation>%1 到 %2</translation>
    </message>
    <message>
        <source>at any time</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>Your county&apos;s settings: download %1 · speed: %2 · keep %3 GB free</source>
        <translation>县里的设置：下载时间 %1 · 速度：%2 · 保留 %3 GB 空闲空间</translation>
    </message>
    <message>
        <source>The start and the end are the same time. Choose two different times.</source>
        <translation>开始和结束是同一个时间。请选两个不同的时间。</translation>
    </message>
</context>
<context>
    <name>Downloads</name>
    <message>
        <source>No county server is set up on this computer, so nothing can be downloaded.</source>
        <translation>这台电脑还没有设置县里的服务器，所以无法下载。</translation>
    </message>
    <message>
        <source>This computer is not connected to the county server yet. Connect it with your school&apos;s enrollment code; downloads start after that.</source>
        <translation>这台电脑还没有连接县服务器。请用学校的注册码连接，连接后就会开始下载。</translation>
    </message>
    <message>
        <source>Everything is downloaded.</source>
        <translation>全部下载完了。</translation>
    </message>
    <message>
        <source>Downloading. You can keep using Lamplight meanwhile; the downloads go on in the background.</source>
        <translation>正在下载。下载在后台进行，您可以照常使用灯火研修。</translation>
    </message>
    <message>
        <source>Cannot reach the county server. Downloads continue by themselves when the network is back.</source>
        <translation>暂时连不上县里的服务器。网络恢复后会自动继续下载。</translation>
    </message>
    <message>
        <source>The county server does not accept this computer any more, so downloads stopped. Connect this computer again with your school&apos;s enrollment code; downloads continue after that.</source>
        <translation>县服务器不再接受这台电脑，所以下载停了下来。请用学校的注册码重新连接这台电脑，连接后会继续下载。</translation>
    </message>
    <message>
        <source>Another download is running on this computer (perhaps a scheduled sync). These downloads continue when it is done.</source>
        <translation>这台电脑上正在进行另一项下载（可能是定时同步）。它结束后，这里的下载会继续。</translation>
    </message>
    <message>
        <source>All downloads are paused. Press &quot;Resume all&quot; to continue.</source>
        <translation>所有下载都已暂停。点击“全部继续”可以接着下载。</translation>
    </message>
    <message>
        <source>The disk is almost full, so downloads stopped. Nothing was lost. Ask the person who looks after this computer to free some space, then press &quot;Try again&quot;.</source>
        <translation>磁盘快满了，所以下载停了下来。已有的内容没有丢失。请管理这台电脑的人腾出一些空间，然后点击“再试一次”。</translation>
    </message>
    <message>
        <source>The courses left are paused. Press &quot;Resume this course&quot; to continue.</source>
        <translation>剩下的课程都已暂停。点击“继续这门课”可以接着下载。</translation>
    </message>
    <message>
        <source>%n file(s) could not be downloaded yet. Lamplight tries again by itself at %1, or press &quot;Try again&quot; now.</source>
        <translation>有 %n 个文件暂时没能下载。灯火研修会在 %1 自动再试，您也可以现在点“再试一次”。</translation>
    </message>
    <message>
        <source>Waiting to download…</source>
        <translation>等待下载……</translation>
    </message>
    <message>
        <source>Downloads run only from %1 to %2, so the school&apos;s network stays free for teaching. They will continue by themselves.</source>
        <translation>下载只在 %1 到 %2 之间进行，这样上课时学校的网络不受影响。到时间后会自动继续下载。</translation>
    </message>
    <message>
        <source>Waiting for the download hours (from %1).</source>
        <translation>等待下载时间（%1 开始）。</translation>
    </message>
    <message>
        <source>Waiting for the network: the county server cannot be reached.</source>
        <translation>等待网络：暂时连不上县里的服务器。</translation>
    </message>
    <message>
        <source>Stopped: the disk is almost full. See Downloads.</source>
        <translation>已停止：磁盘快满了。请查看“下载”页面。</translation>
    </message>
    <message>
        <source>Stopped: this computer must be connected to the county server again.</source>
        <translation>已停止：这台电脑需要重新连接县服务器。</translation>
    </message>
    <message>
        <source>All downloads are paused.</source>
        <translation>所有下载都已暂停。</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/秒</translation>
    </message>
    <message>
        <source>less than a minute left</source>
        <translation>还需不到 1 分钟</translation>
    </message>
    <message>
        <source>about %n minute(s) left</source>
        <translation>大约还需 %n 分钟</translation>
    </message>
    <message>
        <source>about %n hour(s) left</source>
        <translation>大约还需 %n 小时</translation>
    </message>
    <message>
        <source>about %1 h %2 min left</source>
        <translation>大约还需 %1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>已下载 %1，共 %2</translation>
    </message>
</context>
<context>
    <name>DownloadsButton</name>
    <message>
        <source>Downloading %1%</source>
        <translation>正在下载 %1%</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Downloads paused</source>
        <translation>下载已暂停</translation>
    </message>
    <message>
        <source>Downloads wait until %1</source>
        <translation>下载将在 %1 开始</translation>
    </message>
    <message>
        <source>Downloads (%n waiting)</source>
        <translation>下载（%n 个在等待）</translation>
    </message>
    <message>
        <source>Downloads stopped</source>
        <translation>下载已停止</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download settings</source>
        <translation>下载设置</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再试一次</translation>
    </message>
    <message>
        <source>Connect to the county server</source>
        <translation>连接县服务器</translation>
    </message>
    <message>
        <source>Nothing is waiting to be downloaded. To download a course, open it and press its Download button.</source>
        <translation>现在没有要下载的内容。想下载一门课程，请打开它，点击“下载这门课程”。</translation>
    </message>
    <message>
        <source>%n file(s) left</source>
        <translation>还剩 %n 个文件</translation>
    </message>
    <message>
        <source>Resume all</source>
        <translation>全部继续</translation>
    </message>
    <message>
        <source>Pause all</source>
        <translation>全部暂停</translation>
    </message>
</context>
<context>
    <name>DrivesPage</name>
    <message>
        <source>Courses and progress on a USB stick</source>
        <translation>用U盘复制课程、发送学习记录</translation>
    </message>
    <message>
        <source>Put the USB stick from the training coordinator into this computer. It shows up below after a few seconds; then press it.</source>
        <translation>请把培训负责人给的U盘插到这台电脑上。几秒钟后它会出现在下面，然后点击它。</translation>
    </message>
    <message>
        <source>No USB stick found yet.</source>
        <translation>还没有找到U盘。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <source>Choose a folder…</source>
        <translation>选择文件夹…</translation>
    </message>
</context>
<context>
    <name>EnrollDialog</name>
    <message>
        <source>Connect to the county server</source>
        <translation>连接县服务器</translation>
    </message>
    <message>
        <source>Connect this computer to the county server</source>
        <translation>把这台电脑连接到县服务器</translation>
    </message>
    <message>
        <source>Then your work is kept safe on the county server, and you can continue it on another computer. This is done once for each computer. Your school&apos;s training coordinator has the enrollment code.</source>
        <translation>连接后，您的学习记录会安全地保存到县服务器上，换一台电脑也能接着学。每台电脑只需要连接一次。注册码由学校的培训负责人提供。</translation>
    </message>
    <message>
        <source>Your school&apos;s enrollment code</source>
        <translation>学校的注册码</translation>
    </message>
    <message>
        <source>Letters and digits, like AB3D-EF7H. Small or capital letters and the dash do not matter.</source>
        <translation>由字母和数字组成，例如 AB3D-EF7H。字母大写小写都可以，中间的短横线可写可不写。</translation>
    </message>
    <message>
        <source>County server address</source>
        <translation>县服务器地址</translation>
    </message>
    <message>
        <source>for example http://10.1.2.3:8765</source>
        <translation>例如 http://10.1.2.3:8765</translation>
    </message>
    <message>
        <source>The county filled this in; there is usually no need to change it.</source>
        <translation>县里已经填好了，一般不用改。</translation>
    </message>
    <message>
        <source>Connecting to the county server…</source>
        <translation>正在连接县服务器……</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Please type your school&apos;s enrollment code.</source>
        <translation>请输入学校的注册码。</translation>
    </message>
    <message>
        <source>Please check the county server address. It looks like http://10.1.2.3:8765</source>
        <translation>请检查县服务器地址。地址的样子类似 http://10.1.2.3:8765</translation>
    </message>
    <message>
        <source>Cannot reach the county server at %1. Check that this computer is on the network and that the address is right, then press Connect again.</source>
        <translation>无法连接县服务器（%1）。请检查这台电脑是否联网、地址是否正确，然后再点击“连接”。</translation>
    </message>
    <message>
        <source>The address %1 does not answer like a county server. Please check the address with your training coordinator.</source>
        <translation>地址 %1 不像是县服务器。请向培训负责人核对地址。</translation>
    </message>
</context>
<context>
    <name>FormPage</name>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>This questionnaire is no longer on this computer. Please download the course again.</source>
        <translation>这份问卷已经不在这台电脑上了。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>This questionnaire needs a newer version of Lamplight. Please ask for Lamplight to be updated on this computer.</source>
        <translation>这份问卷需要新版的灯火研修。请找人为这台电脑更新灯火研修。</translation>
    </message>
    <message>
        <source>This questionnaire cannot be opened. Please download the course again.</source>
        <translation>这份问卷打不开。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>These answers were submitted already; they cannot change.</source>
        <translation>这些答案已经提交过了，不能再修改。</translation>
    </message>
    <message>
        <source>Submit your answers now?</source>
        <translation>现在提交答案吗？</translation>
    </message>
    <message>
        <source>After you submit, your answers cannot be changed.</source>
        <translation>提交以后，答案就不能再修改了。</translation>
    </message>
    <message>
        <source>Keep answering</source>
        <translation>再看看</translation>
    </message>
</context>
<context>
    <name>FormResult</name>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>ItemRowWidget</name>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Downloading: %1 of %2</source>
        <translation>正在下载：%1 / %2</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Being downloaded first; it opens by itself when it is ready</source>
        <translation>正在优先下载，下载好后会自动打开</translation>
    </message>
    <message>
        <source>Paused (%1)</source>
        <translation>已暂停（%1）</translation>
    </message>
    <message>
        <source>Could not download yet; Lamplight tries again by itself (%1)</source>
        <translation>暂时没下载成功，灯火研修会自动再试（%1）</translation>
    </message>
    <message>
        <source>Waiting to download (%1)</source>
        <translation>等待下载（%1）</translation>
    </message>
    <message>
        <source>Not downloaded yet (%1)</source>
        <translation>尚未下载（%1）</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Watched %1%</source>
        <translation>已观看 %1%</translation>
    </message>
    <message>
        <source>Read %1%</source>
        <translation>已读 %1%</translation>
    </message>
    <message>
        <source>Ready - not started</source>
        <translation>可以学习 - 尚未开始</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Lamplight - teacher training</source>
        <extracomment>How long closing the window waits for a running sync to reach its next stopping point.</extracomment>
        <translation>灯火研修 - 教师培训</translation>
    </message>
    <message>
        <source>Lamplight</source>
        <translation>灯火研修</translation>
    </message>
    <message>
        <source>USB stick</source>
        <translation>U盘</translation>
    </message>
    <message>
        <source>Switch teacher</source>
        <translation>换一位老师</translation>
    </message>
    <message>
        <source>Learning now: %1</source>
        <translation>正在学习：%1</translation>
    </message>
    <message>
        <source>This kind of item cannot be opened by this version of Lamplight.</source>
        <translation>这个版本的灯火研修还不能打开这类内容。</translation>
    </message>
    <message>
        <source>%n course(s) from the USB stick are ready to use.</source>
        <translation>U盘上的 %n 门课程已经可以学习了。</translation>
    </message>
    <message>
        <source>The county server does not know this computer any more (perhaps it was reinstalled). Please connect this computer again with your school&apos;s enrollment code.</source>
        <translation>县服务器不再认识这台电脑了（可能服务器重新安装过）。请用学校的注册码重新连接这台电脑。</translation>
    </message>
    <message>
        <source>This computer is now connected to the county server (%1).</source>
        <translation>这台电脑已连接到县服务器（%1）。</translation>
    </message>
    <message>
        <source>To bring your profile from another computer, first connect this computer to the county server.</source>
        <translation>要把另一台电脑上的账户带过来，请先把这台电脑连接到县服务器。</translation>
    </message>
    <message>
        <source>Welcome, %1! Your work from the other computer is being brought here now.</source>
        <translation>%1，欢迎您！正在把您在另一台电脑上的学习记录取过来。</translation>
    </message>
</context>
<context>
    <name>NewProfileDialog</name>
    <message>
        <source>New teacher</source>
        <translation>新老师</translation>
    </message>
    <message>
        <source>Tell us who you are</source>
        <translation>请告诉我们您是谁</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Your school</source>
        <translation>学校</translation>
    </message>
    <message>
        <source>Woman</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Man</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Rather not say</source>
        <translation>不愿透露</translation>
    </message>
    <message>
        <source>You are</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Under 30</source>
        <translation>30 岁以下</translation>
    </message>
    <message>
        <source>30-39</source>
        <translation>30-39 岁</translation>
    </message>
    <message>
        <source>40-49</source>
        <translation>40-49 岁</translation>
    </message>
    <message>
        <source>50 or over</source>
        <translation>50 岁及以上</translation>
    </message>
    <message>
        <source>Your age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>语文</translation>
    </message>
    <message>
        <source>Mathematics</source>
        <translation>数学</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英语</translation>
    </message>
    <message>
        <source>Science</source>
        <translation>科学</translation>
    </message>
    <message>
        <source>Morality and Law</source>
        <translation>道德与法治</translation>
    </message>
    <message>
        <source>Music</source>
        <translation>音乐</translation>
    </message>
    <message>
        <source>Physical Education</source>
        <translation>体育</translation>
    </message>
    <message>
        <source>Art</source>
        <translation>美术</translation>
    </message>
    <message>
        <source>Information Technology</source>
        <translation>信息技术</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>You teach</source>
        <translation>任教学科</translation>
    </message>
    <message>
        <source>Choose a PIN</source>
        <translation>设置密码</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>再输一次密码</translation>
    </message>
    <message>
        <source>Your PIN keeps your work yours. Use at least %1 digits and remember it.</source>
        <translation>密码保护您自己的学习记录。请至少设置 %1 位数字，并记住它。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Create my profile</source>
        <translation>创建我的账户</translation>
    </message>
    <message>
        <source>Please write your name.</source>
        <translation>请填写您的名字。</translation>
    </message>
    <message>
        <source>Please choose one answer for “You are”.</source>
        <translation>请选择您的性别。</translation>
    </message>
    <message>
        <source>Please choose your age.</source>
        <translation>请选择您的年龄。</translation>
    </message>
    <message>
        <source>The PIN needs at least %1 characters.</source>
        <translation>密码至少需要 %1 位。</translation>
    </message>
    <message>
        <source>The two PINs are not the same. Please type them again.</source>
        <translation>两次输入的密码不一样，请重新输入。</translation>
    </message>
</context>
<context>
    <name>NumberAnswer</name>
    <message>
        <source>Less</source>
        <translation>减一</translation>
    </message>
    <message>
        <source>More</source>
        <translation>加一</translation>
    </message>
</context>
<context>
    <name>PeerPage</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Copy this computer&apos;s courses to the USB stick</source>
        <translation>把这台电脑的课程复制到U盘</translation>
    </message>
    <message>
        <source>Tick the courses to take to another computer. They keep the county&apos;s seal, so the other computer can check them.</source>
        <translation>请勾选要带到另一台电脑的课程。课程带着县里的签章，另一台电脑可以核对。</translation>
    </message>
    <message>
        <source>There are no courses on this computer yet.</source>
        <translation>这台电脑上还没有课程。</translation>
    </message>
    <message>
        <source>Chosen: %n course(s), %1 to copy. Free on the USB stick: %2.</source>
        <translation>已选 %n 门课程，要复制 %1。U盘剩余空间：%2。</translation>
    </message>
    <message>
        <source>Copy %n course(s) to the USB stick</source>
        <translation>把 %n 门课程复制到U盘</translation>
    </message>
    <message>
        <source>None of the courses on this computer can be copied; the reason is under each.</source>
        <translation>这台电脑上的课程都不能复制，原因写在每门课程下面。</translation>
    </message>
    <message>
        <source>Courses downloaded or copied to this computer can be passed on here.</source>
        <translation>下载到或复制到这台电脑的课程，可以在这里复制给别的电脑。</translation>
    </message>
    <message>
        <source>Tick the courses you want to copy.</source>
        <translation>请勾选要复制的课程。</translation>
    </message>
    <message>
        <source>There is not enough space on the USB stick. Free %1 more on it (or untick some courses).</source>
        <translation>U盘空间不够。请在U盘上再腾出 %1（或者少选几门课程）。</translation>
    </message>
</context>
<context>
    <name>PeerResultPage</name>
    <message>
        <source>%n course(s) copied to the USB stick.</source>
        <translation>已复制 %n 门课程到U盘。</translation>
    </message>
    <message>
        <source>No course was copied to the USB stick</source>
        <translation>没有课程复制到U盘</translation>
    </message>
    <message>
        <source>Put the USB stick into the other computer and press “USB stick” there to copy them in.</source>
        <translation>把U盘插到另一台电脑上，点「U盘」导入。</translation>
    </message>
    <message>
        <source>On the USB stick: %1</source>
        <translation>已在U盘上：%1</translation>
    </message>
    <message>
        <source>Not copied: %1</source>
        <translation>没有复制：%1</translation>
    </message>
    <message>
        <source>Not copied yet: %1</source>
        <translation>还没有复制：%1</translation>
    </message>
</context>
<context>
    <name>PeerRow</name>
    <message>
        <source>Already on the USB stick</source>
        <translation>U盘上已经有了</translation>
    </message>
    <message>
        <source>Can be copied</source>
        <translation>可以复制</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Enter your PIN</source>
        <translation>输入密码</translation>
    </message>
    <message>
        <source>Hello, %1! Please enter your PIN.</source>
        <translation>%1，您好！请输入您的密码。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>ProblemsDialog</name>
    <message>
        <source>Records not accepted</source>
        <translation>未被接收的记录</translation>
    </message>
    <message>
        <source>Records the county server did not accept</source>
        <translation>县服务器没有接收的记录</translation>
    </message>
    <message>
        <source>These records are still kept on this computer. Please show this list to your training coordinator; the button below copies the details for them.</source>
        <translation>这些记录仍然保存在这台电脑上。请把这个列表给培训负责人看；下面的按钮可以复制详细信息给他们。</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ProblemsModel</name>
    <message>
        <source>When</source>
        <extracomment>The :class:`Problem` of a row.</extracomment>
        <translation>时间</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>发生了什么</translation>
    </message>
    <message>
        <source>The county server already has a different copy of this record. Nothing was overwritten.</source>
        <translation>县服务器上已有这条记录的另一个版本。没有覆盖任何内容。</translation>
    </message>
    <message>
        <source>The county server does not let this computer send work for this teacher.</source>
        <translation>县服务器不允许这台电脑为这位老师发送学习记录。</translation>
    </message>
    <message>
        <source>The county server could not read this record.</source>
        <translation>县服务器无法识别这条记录。</translation>
    </message>
</context>
<context>
    <name>ProfilePage</name>
    <message>
        <source>Who is learning today?</source>
        <translation>今天是哪位老师来学习？</translation>
    </message>
    <message>
        <source>Click your name. If you are new, click &quot;I am new here&quot;. If you already use Lamplight on another computer, click that button to bring your profile here.</source>
        <translation>请点击您的名字。第一次使用请点击“我是新老师”。在别的电脑上用过灯火研修的老师，请点击“我在别的电脑上用过灯火研修”，把账户带过来。</translation>
    </message>
    <message>
        <source>I already use Lamplight
on another computer</source>
        <translation>我在别的电脑上
用过灯火研修</translation>
    </message>
    <message>
        <source>I am new here</source>
        <translation>我是新老师</translation>
    </message>
</context>
<context>
    <name>QuestionBlock</name>
    <message>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>Check my answer</source>
        <translation>确认答案</translation>
    </message>
    <message>
        <source>Right!</source>
        <translation>答对了！</translation>
    </message>
    <message>
        <source>Not right.</source>
        <translation>答错了。</translation>
    </message>
</context>
<context>
    <name>Rating</name>
    <message>
        <source>Clear my answer</source>
        <translation>清除我的答案</translation>
    </message>
</context>
<context>
    <name>ResultPage</name>
    <message>
        <source>Back to the USB stick</source>
        <translation>回到U盘内容</translation>
    </message>
    <message>
        <source>Copy again</source>
        <translation>继续复制</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>%n course(s) copied: ready to use</source>
        <translation>已复制 %n 门课程，可以学习了</translation>
    </message>
    <message>
        <source>No course was copied</source>
        <translation>没有复制任何课程</translation>
    </message>
    <message>
        <source>Everything was already on this computer</source>
        <translation>这些课程这台电脑上都已经有了</translation>
    </message>
    <message>
        <source>Ready to use: %1</source>
        <translation>可以学习了：%1</translation>
    </message>
    <message>
        <source>Not copied: %1</source>
        <translation>没有复制：%1</translation>
    </message>
    <message>
        <source>Not copied yet: %1</source>
        <translation>还没有复制：%1</translation>
    </message>
    <message>
        <source>Already on this computer: %1</source>
        <translation>本机已经有了：%1</translation>
    </message>
</context>
<context>
    <name>ResultView</name>
    <message>
        <source>Back to the course</source>
        <translation>返回课程</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再做一次</translation>
    </message>
    <message>
        <source>Thank you! Your answers were submitted.</source>
        <translation>谢谢你！答案已经提交。</translation>
    </message>
    <message>
        <source>They are kept on this computer and go to the county the next time it connects to the county server.</source>
        <translation>答案保存在这台电脑上，下次连上县里的服务器时会自动发送过去。</translation>
    </message>
    <message>
        <source>Your name will not appear in the county&apos;s reports.</source>
        <translation>你的名字不会出现在县里的报告里。</translation>
    </message>
    <message>
        <source>Your answers were submitted.</source>
        <translation>答案已经提交。</translation>
    </message>
    <message>
        <source>Your score: %1 of %2 points</source>
        <translation>你的得分：%1 分（满分 %2 分）</translation>
    </message>
    <message>
        <source>Passed!</source>
        <translation>及格了！</translation>
    </message>
    <message>
        <source>Not passed yet: %1 points are needed to pass.</source>
        <translation>这次还没有及格：%1 分及格。</translation>
    </message>
    <message>
        <source>This quiz shows only the score, not which answers were right.</source>
        <translation>这个测验只显示总分，不显示哪些题答对了。</translation>
    </message>
    <message>
        <source>You may take this quiz again as often as you like.</source>
        <translation>这个测验可以再做，次数不限。</translation>
    </message>
    <message>
        <source>You have used all %1 attempts at this quiz; this is your last result.</source>
        <translation>这个测验的 %1 次机会已经用完了，下面是你最后一次的成绩。</translation>
    </message>
    <message>
        <source>You have taken this quiz %1 time(s); you may take it %2 time(s) in all.</source>
        <translation>你已经做了 %1 次，一共可以做 %2 次。</translation>
    </message>
    <message>
        <source>Your answer: %1</source>
        <translation>你的答案：%1</translation>
    </message>
    <message>
        <source>You did not answer.</source>
        <translation>你没有回答这道题。</translation>
    </message>
    <message>
        <source>Right: %1 of %2 points</source>
        <translation>答对了：得 %1 分（满分 %2 分）</translation>
    </message>
    <message>
        <source>Not right: %1 of %2 points</source>
        <translation>答错了：得 %1 分（满分 %2 分）</translation>
    </message>
</context>
<context>
    <name>StarterDialog</name>
    <message>
        <source>Lamplight</source>
        <translation>灯火研修</translation>
    </message>
    <message>
        <source>Opening for the first time: preparing the courses…</source>
        <translation>第一次打开，正在准备课程…</translation>
    </message>
    <message>
        <source>Lamplight was updated: preparing the new courses…</source>
        <translation>灯火研修已更新，正在准备新课程…</translation>
    </message>
    <message>
        <source>The courses that came with Lamplight are being put on this computer, so that you can learn without the network. This takes a few minutes.</source>
        <translation>正在把随软件带来的课程放到这台电脑上，以后没有网络也能学习。需要几分钟。</translation>
    </message>
    <message>
        <source>Press Later to start using Lamplight now; the other courses are prepared the next time it opens.</source>
        <translation>按“以后再说”可以马上开始使用；其余的课程下次打开时再准备。</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Now preparing: %1</source>
        <translation>正在准备：%1</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / 共 %2</translation>
    </message>
    <message>
        <source>Stopping after the current file…</source>
        <translation>正在停止，当前文件复制完就停…</translation>
    </message>
    <message>
        <source>%n course(s) that came with Lamplight are ready to use.</source>
        <translation>随软件带来的 %n 门课程已经可以学习了。</translation>
    </message>
    <message>
        <source>The other courses are prepared the next time Lamplight opens.</source>
        <translation>其余的课程下次打开灯火研修时再准备。</translation>
    </message>
    <message>
        <source>The courses that came with Lamplight are damaged, so they could not be prepared. You can still get courses over the network or on a USB stick. Please tell your training coordinator.</source>
        <translation>随软件带来的课程已损坏，没能准备好。您仍然可以通过网络或U盘获取课程。请告诉您的培训负责人。</translation>
    </message>
    <message>
        <source>%n course(s) that came with Lamplight could not be added, because they are damaged or do not carry the seal of your county&apos;s training office: %1. The other courses are ready to use. Please tell your training coordinator, who can give you these courses on a USB stick.</source>
        <translation>随软件带来的 %n 门课程没能加入，因为它们已损坏，或者没有县培训部门的签章：%1。其他课程已经可以学习了。请告诉您的培训负责人，他可以用U盘把这些课程给您。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>The disk of this computer is full, so not all the courses that came with Lamplight could be prepared. What was prepared is kept. Ask the person who looks after this computer to free some space; Lamplight prepares the rest the next time it opens.</source>
        <translation>这台电脑的磁盘满了，随软件带来的课程没能全部准备好。已经准备好的都保留着。请管理这台电脑的人腾出一些空间；下次打开灯火研修时会准备其余的课程。</translation>
    </message>
    <message>
        <source>Some files of the courses that came with Lamplight could not be read, so not all of them could be prepared. Lamplight tries again the next time it opens. If this message comes back, install Lamplight again.</source>
        <translation>随软件带来的课程中有些文件读不出来，课程没能全部准备好。下次打开灯火研修时会再试一次。如果还是出现这条提示，请重新安装灯火研修。</translation>
    </message>
    <message>
        <source>Not all the courses could be prepared</source>
        <translation>课程没能全部准备好</translation>
    </message>
</context>
<context>
    <name>StatusLine</name>
    <message>
        <source>Connect to the county server</source>
        <translation>连接县服务器</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>%n record(s) were not accepted — Details</source>
        <translation>%n 条记录未被接收，查看详情</translation>
    </message>
    <message>
        <source>No county server set up: working offline</source>
        <translation>未设置县服务器：离线使用</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <source>This computer is not connected to the county server yet</source>
        <translation>这台电脑还没有连接县服务器</translation>
    </message>
    <message>
        <source>%n record(s) waiting to be sent</source>
        <translation>%n 条记录等待发送</translation>
    </message>
    <message>
        <source>Everything is sent</source>
        <translation>记录已全部发送</translation>
    </message>
    <message>
        <source>Syncing: sending your work to the county server…</source>
        <translation>正在同步：把您的学习记录发送到县服务器……</translation>
    </message>
    <message>
        <source>Syncing: looking for new courses…</source>
        <translation>正在同步：查看有没有新课程……</translation>
    </message>
    <message>
        <source>Syncing: fetching your work from other computers…</source>
        <translation>正在同步：取回您在其他电脑上的学习记录……</translation>
    </message>
    <message>
        <source>Syncing with the county server…</source>
        <translation>正在与县服务器同步……</translation>
    </message>
</context>
<context>
    <name>StickPage</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Send our progress to the county</source>
        <translation>把学习记录发送给县里</translation>
    </message>
    <message>
        <source>Send our progress on this stick</source>
        <translation>发送本机学习记录到U盘</translation>
    </message>
    <message>
        <source>Copy this computer&apos;s courses to the stick</source>
        <translation>把这台电脑的课程复制到U盘</translation>
    </message>
    <message>
        <source>On the USB stick: %1</source>
        <translation>U盘上的内容：%1</translation>
    </message>
    <message>
        <source>%n course(s) on the stick, %1 in all. New for this computer: %2. Free space on this computer: %3.</source>
        <translation>U盘上有 %n 门课程，共 %1。这台电脑还没有的：%2。这台电脑的剩余空间：%3。</translation>
    </message>
    <message>
        <source>Nothing new to copy</source>
        <translation>没有需要复制的新内容</translation>
    </message>
    <message>
        <source>Everything on this stick that this computer can use is already here.</source>
        <translation>U盘上这台电脑能用的课程，这里都已经有了。</translation>
    </message>
    <message>
        <source>Copy %n course(s) to this computer</source>
        <translation>把 %n 门课程复制到这台电脑</translation>
    </message>
    <message>
        <source>Tick the courses you want to copy.</source>
        <translation>请勾选要复制的课程。</translation>
    </message>
    <message>
        <source>There is not enough free space on this computer. Free %1 more (or untick some courses), then open the stick again.</source>
        <translation>这台电脑的剩余空间不够。请再腾出 %1（或者少勾选几门课程），然后重新打开U盘。</translation>
    </message>
    <message>
        <source>Everything learnt on this computer has been sent.</source>
        <translation>这台电脑上的学习记录都已经发送了。</translation>
    </message>
    <message>
        <source>%n learning record(s) from %1 wait to be sent to the county.</source>
        <translation>%1的 %n 条学习记录等待发送给县里。</translation>
    </message>
    <message>
        <source>%n teacher(s)</source>
        <translation>%n 位老师</translation>
    </message>
    <message>
        <source>This computer is not registered with the county yet, so its progress cannot be sent. This USB stick carries a registration from the county: press the button once, and this computer is registered.</source>
        <translation>这台电脑还没有在县里登记，所以学习记录还不能发送。这个U盘上带着县里发的登记文件：点一下下面的按钮，这台电脑就登记好了。</translation>
    </message>
    <message>
        <source>Register this computer with this USB stick (%1)</source>
        <translation>用这个U盘登记这台电脑（%1）</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>That PIN is not right. You can try %n more time(s).</source>
        <translation>密码不对。您还可以再试 %n 次。</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Please wait one minute, then try again.</source>
        <translation>密码输错次数太多。请等一分钟后再试。</translation>
    </message>
    <message>
        <source>The disk of this computer is full. Nothing was lost. Delete some files you no longer need (or ask your school&apos;s computer teacher), then try again.</source>
        <translation>这台电脑的磁盘已满。已有的内容没有丢失。请删除一些不再需要的文件（或请学校的信息技术老师帮忙），然后再试一次。</translation>
    </message>
    <message>
        <source>This computer&apos;s Lamplight data was made by a newer version of Lamplight. Please install the newer version.</source>
        <translation>这台电脑上的灯火研修数据是由更新版本的灯火研修创建的。请安装新版本。</translation>
    </message>
    <message>
        <source>The county removed this computer from its server. Ask your training coordinator for your school&apos;s enrollment code, then connect this computer again.</source>
        <translation>县里已把这台电脑从服务器上移除。请向培训负责人要学校的注册码，然后重新连接这台电脑。</translation>
    </message>
    <message>
        <source>This computer is not connected to the county server. Connect it with your school&apos;s enrollment code; your work stays saved on this computer meanwhile.</source>
        <translation>这台电脑没有连接县服务器。请用学校的注册码连接；在这之前，您的学习记录会一直保存在这台电脑上。</translation>
    </message>
    <message>
        <source>The county server does not know this enrollment code. Check each letter and digit, or ask your training coordinator for your school&apos;s code.</source>
        <translation>县服务器不认识这个注册码。请逐个检查字母和数字，或向培训负责人要学校的注册码。</translation>
    </message>
    <message>
        <source>That PIN is not right. Please try again.</source>
        <translation>密码不对。请再试一次。</translation>
    </message>
    <message>
        <source>Too many wrong tries. Please wait a while, then try again.</source>
        <translation>输错的次数太多了。请等一会儿再试。</translation>
    </message>
    <message>
        <source>Too many wrong tries. Please try again after %1 (in about %n minute(s)).</source>
        <translation>输错的次数太多了。请在 %1 以后再试（大约 %n 分钟后）。</translation>
    </message>
    <message>
        <source>Another sync is running on this computer right now. Lamplight will try again in a moment.</source>
        <translation>这台电脑上正在进行另一次同步。灯火研修稍后会自动再试。</translation>
    </message>
    <message>
        <source>Cannot reach the county server. You can keep learning with what is already downloaded; Lamplight will try again later.</source>
        <translation>暂时连不上县里的服务器。您可以继续学习已下载的内容，灯火研修稍后会自动再试。</translation>
    </message>
    <message>
        <source>A downloaded file was damaged on the way and was thrown away. Press Download to fetch it again.</source>
        <translation>有一个下载的文件在传输中损坏，已被丢弃。请点击“下载”重新获取。</translation>
    </message>
    <message>
        <source>The county server sent an answer Lamplight cannot read. Nothing was changed. Please tell your training coordinator.</source>
        <translation>县服务器发来的内容无法识别，电脑上的内容没有改动。请告诉培训负责人。</translation>
    </message>
    <message>
        <source>The county server has a problem right now. Please try again later.</source>
        <translation>县里的服务器现在出了问题。请稍后再试。</translation>
    </message>
    <message>
        <source>This profile cannot be opened. Please choose your name again.</source>
        <translation>无法打开这个账户。请重新选择您的名字。</translation>
    </message>
    <message>
        <source>Lamplight could not use its data folder: %1</source>
        <translation>灯火研修无法使用数据文件夹：%1</translation>
    </message>
    <message>
        <source>Cannot reach the county server. Your work is saved on this computer and will be sent when the network is back.</source>
        <translation>无法连接县服务器。您的学习记录已保存在本机，联网后会自动发送。</translation>
    </message>
    <message>
        <source>never</source>
        <translation>还没有同步过</translation>
    </message>
    <message>
        <source>today %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation>昨天 %1</translation>
    </message>
    <message>
        <source>%1 KB</source>
        <translation>%1 KB</translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation>%1 MB</translation>
    </message>
    <message>
        <source>%1 GB</source>
        <translation>%1 GB</translation>
    </message>
</context>
<context>
    <name>Usb</name>
    <message>
        <source>There are no Lamplight courses here. If the training coordinator gave you this stick, choose the folder named lamplight on it.</source>
        <translation>这里没有灯火研修的课程。如果这个U盘是培训负责人给的，请选择U盘里名为 lamplight 的文件夹。</translation>
    </message>
    <message>
        <source>These courses were made for a newer version of Lamplight, so they cannot be copied. Please update Lamplight on this computer first.</source>
        <translation>这些课程是给新版灯火研修用的，所以不能复制。请先更新这台电脑上的灯火研修。</translation>
    </message>
    <message>
        <source>This course does not carry the seal of your county&apos;s training office, so it cannot be copied.</source>
        <translation>这门课程没有县培训部门的签名，所以不能复制。</translation>
    </message>
    <message>
        <source>This course was not made by your county&apos;s training office, so it cannot be copied.</source>
        <translation>这门课程不是本县培训部门制作的，所以不能复制。</translation>
    </message>
    <message>
        <source>This course is meant for another county, so it cannot be copied.</source>
        <translation>这门课程是给其他县用的，所以不能复制。</translation>
    </message>
    <message>
        <source>This course was changed after your county&apos;s training office made it, so it cannot be copied. Ask your training coordinator for a new copy.</source>
        <translation>这门课程在县培训部门制作之后被改动过，所以不能复制。请向培训负责人要一份新的。</translation>
    </message>
    <message>
        <source>Some files of this course are missing from the stick, so it cannot be copied. Ask your training coordinator to put the course on the stick again.</source>
        <translation>U盘上缺少这门课程的一些文件，所以不能复制。请培训负责人把这门课程重新拷到U盘上。</translation>
    </message>
    <message>
        <source>A file of this course is damaged on the stick, so the course cannot be copied. Ask your training coordinator for a new copy.</source>
        <translation>U盘上这门课程的一个文件损坏了，所以不能复制这门课程。请向培训负责人要一份新的。</translation>
    </message>
    <message>
        <source>The USB stick could not be read. Check that it is pushed in well and try again; if it happens again, the stick may be damaged.</source>
        <translation>读不了这个U盘。请检查U盘是否插好，然后再试一次；如果还是不行，U盘可能坏了。</translation>
    </message>
    <message>
        <source>The files of this course on the stick are damaged or wrong, so it cannot be copied. Ask your training coordinator for a new copy.</source>
        <translation>U盘上这门课程的文件损坏或者不对，所以不能复制。请向培训负责人要一份新的。</translation>
    </message>
    <message>
        <source>New course</source>
        <translation>新课程</translation>
    </message>
    <message>
        <source>Newer version</source>
        <translation>有新版本</translation>
    </message>
    <message>
        <source>Already on this computer</source>
        <translation>已经有了</translation>
    </message>
    <message>
        <source>This computer already has a newer version of this course</source>
        <translation>这台电脑上已经有这门课程更新的版本</translation>
    </message>
    <message>
        <source>The USB stick was taken out. Put it back and press Copy again; what was already copied is kept.</source>
        <translation>U盘被拔出了。请把它插回去，再点“继续复制”；已经复制好的内容都保留着。</translation>
    </message>
    <message>
        <source>The disk of this computer is full, so copying stopped. What was already copied is kept. Ask the person who looks after this computer to free some space, then press Copy again.</source>
        <translation>这台电脑的磁盘满了，所以复制停了下来。已经复制好的内容都保留着。请管理这台电脑的人腾出一些空间，然后点“继续复制”。</translation>
    </message>
    <message>
        <source>Copying was stopped. What was already copied is kept; press Copy again to copy the rest.</source>
        <translation>复制已经停止。已经复制好的内容都保留着；点“继续复制”可以复制剩下的部分。</translation>
    </message>
    <message>
        <source>Lamplight courses on it</source>
        <translation>有灯火研修课程</translation>
    </message>
    <message>
        <source>%1 free</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>This computer is not registered with the county yet, so the county would not accept its progress. Ask your training coordinator to register it (with your school&apos;s enrollment code), then try again.</source>
        <translation>这台电脑还没有在县里登记，所以县里不会接收它的学习记录。请培训负责人帮忙登记这台电脑（用学校的注册码连接县服务器），然后再试一次。</translation>
    </message>
    <message>
        <source>The USB stick is full, so the progress could not be written on it. Use a stick with more free space, or delete files you no longer need from it.</source>
        <translation>U盘满了，学习记录没能写进去。请换一个空间更大的U盘，或者删掉U盘上不再需要的文件。</translation>
    </message>
    <message>
        <source>The progress could not be written on the USB stick. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then try again.</source>
        <translation>学习记录没能写到U盘上。请检查U盘是否插好、有没有被锁住（有些U盘侧面有一个小的写保护开关），然后再试一次。</translation>
    </message>
    <message>
        <source>It does not carry the county&apos;s seal, so it cannot be copied.</source>
        <translation>没有县里的签章，不能复制。</translation>
    </message>
    <message>
        <source>The county&apos;s seal kept here is for an older version of this course, so it cannot be copied.</source>
        <translation>这台电脑保存的县里签章是这门课程旧版本的，不能复制。</translation>
    </message>
    <message>
        <source>This course is not completely on this computer yet (it may still be downloading), so it cannot be copied.</source>
        <translation>这门课程还没有完整地在这台电脑上（可能还在下载），不能复制。</translation>
    </message>
    <message>
        <source>This course is no longer on this computer.</source>
        <translation>这门课程已经不在这台电脑上了。</translation>
    </message>
    <message>
        <source>A file of this course is damaged on this computer, so it was not copied. Download the course again on this computer first.</source>
        <translation>这门课程在这台电脑上有文件损坏，所以没有复制。请先在这台电脑上重新下载这门课程。</translation>
    </message>
    <message>
        <source>The USB stick is full. Nothing half-copied was left on it. Free %1 on the stick (delete files you no longer need from it) or use a bigger stick, then press Copy again.</source>
        <translation>U盘满了。U盘上没有留下复制了一半的文件。请在U盘上腾出 %1（删掉不再需要的文件），或者换一个大一点的U盘，然后点“继续复制”。</translation>
    </message>
    <message>
        <source>The USB stick is full. Nothing half-copied was left on it. Delete files you no longer need from the stick or use a bigger stick, then press Copy again.</source>
        <translation>U盘满了。U盘上没有留下复制了一半的文件。请删掉U盘上不再需要的文件，或者换一个大一点的U盘，然后点“继续复制”。</translation>
    </message>
    <message>
        <source>The USB stick was taken out. The courses finished before are on it; nothing half-copied is. Put it back and press Copy again.</source>
        <translation>U盘被拔出来了。已经复制完的课程在U盘上，没有复制了一半的课程。请把U盘插回去，然后点“继续复制”。</translation>
    </message>
    <message>
        <source>The USB stick could not be written. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then press Copy again.</source>
        <translation>U盘写不进去。请检查U盘是否插好、有没有锁上（有些U盘侧面有一个小锁开关），然后点“继续复制”。</translation>
    </message>
    <message>
        <source>Copying was stopped. The courses finished before are on the stick; press Copy again to copy the rest.</source>
        <translation>复制已停止。已经复制完的课程在U盘上；点“继续复制”复制剩下的课程。</translation>
    </message>
    <message>
        <source>This computer is not registered with the county yet, so its progress cannot be sent. Ask your training coordinator to bring a registration file from the county on this USB stick.</source>
        <translation>这台电脑还没有在县里登记，所以学习记录还不能发送。请培训负责人从县里把登记文件拷到这个U盘上带过来。</translation>
    </message>
    <message>
        <source>The registration files on this stick are for another county.</source>
        <translation>这个U盘上的登记文件是别的县的。</translation>
    </message>
    <message>
        <source>The registration files on this stick were made for a newer version of Lamplight. Please update Lamplight on this computer first.</source>
        <translation>这个U盘上的登记文件是给新版本的灯火研修用的。请先更新这台电脑上的灯火研修。</translation>
    </message>
    <message>
        <source>The registration files on this stick are damaged or could not be read.</source>
        <translation>这个U盘上的登记文件坏了，或者读不出来。</translation>
    </message>
    <message>
        <source>This computer is already registered. Nothing was changed.</source>
        <translation>这台电脑已经登记过了，什么都没有改。</translation>
    </message>
    <message>
        <source>This computer was not registered: the registration file must be taken off the USB stick (so that no other computer uses it), and the stick could not be written. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then try again.</source>
        <translation>这台电脑没有登记成功：登记文件要从U盘上拿走（免得别的电脑再用它），可是U盘写不进去。请检查U盘是否插好、有没有被锁住（有些U盘侧面有一个小的写保护开关），然后再试一次。</translation>
    </message>
    <message>
        <source>The registration file is no longer on this USB stick. Take the stick out, put it back and try again.</source>
        <translation>U盘上已经没有这个登记文件了。请把U盘拔下来再插上，然后再试一次。</translation>
    </message>
    <message>
        <source>The disk of this computer is full, so it could not be registered. Ask the person who looks after this computer to free some space, then try again.</source>
        <translation>这台电脑的磁盘满了，所以没能登记。请管理这台电脑的人腾出一些空间，然后再试一次。</translation>
    </message>
</context>
<context>
    <name>UsbWindow</name>
    <message>
        <source>USB stick</source>
        <extracomment>How often the list of sticks is read again while it is shown.</extracomment>
        <translation>U盘</translation>
    </message>
    <message>
        <source>Choose the folder with the courses</source>
        <translation>选择放课程的文件夹</translation>
    </message>
    <message>
        <source>This computer is now registered for %1. You can send your progress now.</source>
        <translation>这台电脑已经登记好了（%1）。现在可以发送学习记录了。</translation>
    </message>
    <message>
        <source>Writing our progress on the stick…</source>
        <translation>正在把学习记录写到U盘上…</translation>
    </message>
    <message>
        <source>The county received %n record(s) from this computer.</source>
        <translation>县里已经收到这台电脑的 %n 条学习记录。</translation>
    </message>
    <message>
        <source>%n answer(s) from the county on this stick could not be used. Nothing is lost: that progress is sent again.</source>
        <translation>U盘上有 %n 份县里的回执用不了。学习记录不会丢失：这些记录会再发送一次。</translation>
    </message>
    <message>
        <source>There is no new progress to send: the county has everything.</source>
        <translation>没有新的学习记录需要发送，县里都已经收到了。</translation>
    </message>
    <message>
        <source>%n learning record(s) from %1 are now on the stick. Give it to your training coordinator.</source>
        <translation>%1的 %n 条学习记录已经写到U盘上了。请把U盘交给培训负责人。</translation>
    </message>
    <message>
        <source>%n teacher(s)</source>
        <translation>%n 位老师</translation>
    </message>
    <message>
        <source>Registering this computer…</source>
        <translation>正在登记这台电脑…</translation>
    </message>
</context>
<context>
    <name>VideoPage</name>
    <message>
        <source>Back 10 s</source>
        <translation>后退 10 秒</translation>
    </message>
    <message>
        <source>This video is no longer on this computer. Please download the course again.</source>
        <translation>这段视频已经不在这台电脑上了。请重新下载这门课程。</translation>
    </message>
    <message>
        <source>This video cannot be played on this computer (%1).</source>
        <translation>这段视频无法在这台电脑上播放（%1）。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>You have watched this video.</source>
        <translation>这段视频您已看完。</translation>
    </message>
    <message>
        <source>You have watched %1% of this video.</source>
        <translation>这段视频您已看了 %1%。</translation>
    </message>
</context>
<context>
    <name>ViewerHeader</name>
    <message>
        <source>Back to the course</source>
        <translation>返回课程</translation>
    </message>
</context>
</TS>
